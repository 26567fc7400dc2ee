"""What every layer of the tests shares: waiting for an effect, the test hall, real hubs."""
