"""ballot.web"""
