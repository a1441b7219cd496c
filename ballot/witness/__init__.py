"""The witness's tool (``ballot observe``): follow a board, verify it, cosign its heads.

Run by an observer on their own computer, like the trustee's tool, and built from the
same parts as the verifier: it imports only crypto, election and record (and the
trustee tool's bounded HTTP client), so ``pip install ballot`` without the server's
extras is enough.  PROTOCOL.md ("Witnessed heads") says what a cosignature is and what
``ballot verify --witness`` concludes from the log this tool keeps.

* :mod:`.keys`: the witness's sealed signing key file;
* :mod:`.client`: the public board over HTTP, every answer bounded;
* :mod:`.follow`: what has been verified so far, and the checks for what arrives next;
* :mod:`.state`: the state folder (the verified board, heads, the cosignature log);
* :mod:`.run`: one poll, and the loop; :mod:`.cli`: the command.
"""
