"""Reports drawn from the database: the committee's monthly report (`monthly.build`), its
files (`outputs`), its chart (`chart`), and the small-number suppression that makes a version
for sharing outside the service (`suppression`)."""
