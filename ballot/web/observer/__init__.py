"""Observer pages: the result as the board proves it (:mod:`.result_page`), how to verify
it (:mod:`.verify_page`), and the committee's activity log with its chain checked
(:mod:`.activity_log`); what the board says, read once (:mod:`.board_facts`)."""
