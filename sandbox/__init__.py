"""Local stand-ins for what Dunwell cannot reach here: an SMTP inbox, a simulated loan book."""
