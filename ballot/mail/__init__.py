"""ballot.mail"""
