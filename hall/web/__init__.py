"""The HTTP edge: the JSON API, the pages, signing in, the OpenAPI document, error answers.
It sits on top of the engine, the live edge and the screens; nothing below imports it.
`hall.web.routes` assembles the routes (this package imports nothing itself, so that
`hall.runtime` may use its small parts without a cycle)."""
