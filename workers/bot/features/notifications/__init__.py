"""/notifications: mute the non-essential notifications (pool and digest messages); managers also
switch their ``notify`` flag (new requests, done and returned requests, comments)."""
