#!/bin/sh
# /usr/bin/plinth: runs plinth on the Node runtime bundled with it, so the host's
# own nodejs (Node 18 on Debian 12) is never used. exec keeps the PID: under
# systemd, node itself is the unit's main process (NotifyAccess=main).
exec /usr/lib/plinth/node /usr/lib/plinth/bin/plinth.js "$@"
