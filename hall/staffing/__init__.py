"""A/B posts: presence, the cover rule, absences and lateness."""
