"""Text messages: segment counting, the members' texts, gateway adaptors and receipts."""
