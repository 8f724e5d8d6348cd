"""The comment thread of a request: read (R11, paged, oldest first; internal comments only for
staff) and write (R12), from the **Comments** / **Write a comment** buttons of every card."""
