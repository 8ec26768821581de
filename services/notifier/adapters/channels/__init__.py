"""Channel clients: each speaks one provider's real wire format."""
