"""The committee's acts (and the clock's): one function per act, called by web, CLI and demo.

Every path that changes an election goes through here, so each writes the same board
entries and activity-log entries and checks the same rules.  Functions work inside the
caller's transaction (the caller commits) and refuse with
:class:`ballot.election.refusal.Refused`; nothing here knows HTTP.
"""
