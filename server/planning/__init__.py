"""Planning a service centre's day: who could take an order (`candidates`), and a proposed plan for
the unassigned orders from a vehicle-routing solver with time windows (`routing`). Both work on plain
values (`day`); `loading` reads them from the database. Nothing here changes an order: the
dispatcher accepts a proposal and `server/services/orders.py` applies it."""
