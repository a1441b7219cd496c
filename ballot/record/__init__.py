"""ballot.record"""
