"""The domain: incidents, roles, clocks, the policy and the rules every interface
follows. Pure Python: no Textual, no Rich, no SQL, no I/O beyond reading a policy file."""
