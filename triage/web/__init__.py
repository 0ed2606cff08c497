"""The pages: server-rendered, plain and accessible, in the spirit of the GOV.UK Design System.
They work without JavaScript; forms carry CSRF tokens; every answer sends security headers."""
