"""Identity resolution: which person an identifier (user id, email, phone, device) belongs to."""
