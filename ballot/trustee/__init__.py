"""The trustee's own tool (``ballot trustee ...``): key ceremony and tally decryption over the network."""
