"""The Google Sheets backend: gspread's real client, paced under the API quota, one read and one write per pass."""
