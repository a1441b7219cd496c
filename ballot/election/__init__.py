"""ballot.election"""
