#!/bin/sh
# Runs inside the QEMU guest, chrooted into the host's (read-only) files, with
# the job share at /tmp/job. Why a shell script: it must watch a running
# `coldpath run` closely (namespaces live only while it runs), and a shell
# starts in milliseconds where Node.js takes seconds under TCG emulation.
#
# It starts coldpath's own run of /tmp/job/scenario.yaml, and while the run is
# alive records the evidence the host test checks, all from the guest's kernel:
#   evidence/links-{px0,fh0}.{txt,json}  `ip -d link show` in proxy and host namespaces
#   evidence/addr-{px0,fh0}.{txt,json}   their IPv4 addresses (eth0 = underlay, eth1 = user VPC)
#   evidence/neigh-px0.txt                 the proxy's multipoint neighbours (host tunnel address → underlay)
#   evidence/gre.pcap                      tcpdump of IP protocol 47 on the proxy's eth0
# and after it exits: netns-after.txt, state-after.txt (teardown left nothing). The scenario's
# experiments (tenants over GRE and IPIP, the HA pair's failover over GRE) run in the same
# coldpath run, after the path: one Node.js start, the slowest thing under TCG.
set -u
JOB=/tmp/job
EV="$JOB/evidence"
. "$JOB/params.sh" # REPO: the coldpath checkout (same path as on the host)
export HOME=/tmp PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mkdir -p "$EV" "$JOB/out"

say() { echo "[guest $(cut -d' ' -f1 /proc/uptime)] $*"; }

uname -r > "$EV/kernel.txt"
cat /proc/modules > "$EV/modules.txt"

say "coldpath run starts"
node "$REPO/bin/coldpath.js" run "$JOB/scenario.yaml" --out "$JOB/out" > "$EV/coldpath.log" 2>&1 &
RUN=$!

# Wait until coldpath's plan has created the tunnel on both ends (or the run ended).
PX='' FH='' TAG=''
while kill -0 "$RUN" 2>/dev/null; do
  # stderr: a namespace caught between its file and its bind mount makes ip complain; harmless.
  PX=$(ip netns list 2>/dev/null | sed -n 's/^\(coldpath-[0-9a-f]\{4\}-px0\)\( .*\)\{0,1\}$/\1/p' | head -n 1)
  if [ -n "$PX" ]; then
    TAG=${PX#coldpath-}
    TAG=${TAG%-px0}
    FH="coldpath-$TAG-fh0"
    if ip -n "$PX" link show dev "cp${TAG}tun" > /dev/null 2>&1 && ip -n "$FH" link show dev "cp${TAG}tun" > /dev/null 2>&1; then
      break
    fi
  fi
  sleep 0.05
done

if [ -n "$TAG" ] && kill -0 "$RUN" 2>/dev/null; then
  say "tunnels exist (run tag $TAG); capturing"
  # -Z root: Debian's tcpdump would otherwise drop to user tcpdump before writing the file.
  ip netns exec "$PX" tcpdump -Z root -U -nn -i eth0 -c 64 -w "$EV/gre.pcap" 'ip proto 47' 2> "$EV/tcpdump.err" &
  DUMP=$!
  for ns in "$PX" "$FH"; do
    node=${ns##*-}
    ip -n "$ns" -d link show > "$EV/links-$node.txt" 2>&1
    ip -n "$ns" -j -d link show > "$EV/links-$node.json" 2>&1
    ip -n "$ns" -4 -o addr show > "$EV/addr-$node.txt" 2>&1
    ip -n "$ns" -j -4 addr show > "$EV/addr-$node.json" 2>&1
    ip -n "$ns" route show > "$EV/route-$node.txt" 2>&1
  done
  ip -n "$PX" neigh show dev "cp${TAG}tun" > "$EV/neigh-px0.txt" 2>&1
  echo "$TAG" > "$EV/tag.txt"
else
  say "coldpath ended before its tunnels appeared"
  DUMP=''
fi

wait "$RUN"
CODE=$?
say "coldpath run exited $CODE"
echo "$CODE" > "$EV/coldpath-exit.txt"
if [ -n "$DUMP" ]; then
  kill "$DUMP" 2>/dev/null
  wait "$DUMP"
  tcpdump -nn -v -r "$EV/gre.pcap" > "$EV/gre.txt" 2>> "$EV/tcpdump.err"
fi

ip netns list > "$EV/netns-after.txt" 2>&1
ls -A /run/coldpath > "$EV/state-after.txt" 2>/dev/null || true
say "done"
exit 0
