"""Live edge: tail the hall streams, keep each hall's state, fan out to sockets."""
