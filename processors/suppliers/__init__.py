"""The suppliers family (S1–S6): supplier files and their stages, inquiries, quotes, the comparison and the approved
price, the qualified list, and the scorecard. A plugin on the kind contract, as the orders and leases families are."""
