"""Accounts: people, their roles and councils, sign-in, invitations."""
