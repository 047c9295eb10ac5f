"""Files in and out: workbooks, sheets, imports, backup."""
