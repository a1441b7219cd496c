"""ballot.store"""
