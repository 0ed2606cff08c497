"""Intelligence: places children go missing from and are found at, and children who go missing
together.

places.py     a place as police or an interview gave it, normalised to a key and its district
tables.py     places' notes and status (known hotspot), what interviews said (places, associates)
sightings.py  every place an episode or an interview names, read from the store
hotspots.py   places and districts ranked by episodes, children, exploitation and recency
network.py    the missing-together graph (each link with its evidence) and its groups
disclosure.py what each role may see: analysts districts only, small counts suppressed
service.py    the audited reads and the changes (status, note, agenda, interview mentions)
api.py, pages.py, schemas.py   the HTTP slices
"""
