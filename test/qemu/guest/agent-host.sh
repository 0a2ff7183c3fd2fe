#!/bin/sh
# A machine of the multi-host tier (multi-host.test.ts, guests.ts): runs inside
# one QEMU guest, chrooted into the host's (read-only) files, with this guest's
# job share at /tmp/job. It makes the guest look like a machine of an inventory:
#   - its hostname (the agent's hello reports it);
#   - its NICs named as the inventory says, found by MAC (mgmt0 on the
#     management wire, eth0/eth1 on the platform and user wires), and the
#     management address on mgmt0;
#   - Debian's sshd (the host's binary), twice, both with the throwaway keys of
#     the job share: port 22 for the inventory (started under `unshare --time
#     --monotonic=OFFSET` when OFFSET_S is not 0: every session, and the
#     `coldpath agent` it runs, reads the guest's CLOCK_MONOTONIC + OFFSET), and
#     port 2222 without a time namespace, the guest's own clock, the reference
#     the test measures the injected offset against.
# Then it waits until the host test writes /tmp/job/stop (init powers off when
# this script ends).
set -u
JOB=/tmp/job
. "$JOB/params.sh" # NAME, MGMT_ADDR, NICS ("mac=name …"), SPARE (NIC names left down), OFFSET_S
export HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8
marker() { echo "COLDPATH-QEMU: $*"; }
uptime_s() { cut -d' ' -f1 /proc/uptime; }

hostname "$NAME" || { marker "host-failed hostname"; exit 1; }
uname -r > "$JOB/kernel.txt"

# NICs by MAC: first to temporary names (the kernel's eth0.. may be taken by another one's final name).
i=0
for pair in $NICS; do
  mac=${pair%%=*}
  dev=''
  for path in /sys/class/net/*; do
    [ "$(cat "$path/address")" = "$mac" ] && dev=${path##*/}
  done
  [ -n "$dev" ] || { marker "host-failed no NIC with MAC $mac"; exit 1; }
  ip link set dev "$dev" name "cpqtmp$i" || { marker "host-failed rename $dev"; exit 1; }
  i=$((i + 1))
done
i=0
for pair in $NICS; do
  ip link set dev "cpqtmp$i" name "${pair#*=}" || { marker "host-failed rename to ${pair#*=}"; exit 1; }
  # A spare NIC stays down: it waits to be lent to an instance as its ENI (eni.attach: nic).
  case " ${SPARE:-} " in *" ${pair#*=} "*) ;; *) ip link set dev "${pair#*=}" up ;; esac
  i=$((i + 1))
done
ip addr add "$MGMT_ADDR/24" dev mgmt0 || { marker "host-failed address $MGMT_ADDR"; exit 1; }
ip -o link show > "$JOB/links.txt" 2>&1
# root's home is the host's (read-only, with the host's shell start-up files, which bash runs even for ssh's
# commands): each start-up file hidden behind /dev/null, so a session's shell starts clean and fast under
# emulation. Not a tmpfs over /root: the checkout may live there (a CI machine clones into /root/project).
for rc in .bashrc .bash_profile .bash_login .profile; do
  if [ -f "/root/$rc" ]; then
    mount --bind /dev/null "/root/$rc" || { marker "host-failed hiding /root/$rc"; exit 1; }
  fi
done
mkdir -p /run/sshd /run/coldpath /run/netns
chmod 0755 /run/sshd

/usr/sbin/sshd -D -e -f "$JOB/sshd-2222.conf" 2> "$JOB/sshd-2222.log" &
if [ "$OFFSET_S" != 0 ]; then
  unshare --time --monotonic="$OFFSET_S" --boottime="$OFFSET_S" --fork -- /usr/sbin/sshd -D -e -f "$JOB/sshd-22.conf" 2> "$JOB/sshd-22.log" &
else
  /usr/sbin/sshd -D -e -f "$JOB/sshd-22.conf" 2> "$JOB/sshd-22.log" &
fi
for port in 22 2222; do
  n=0
  until grep -q "Server listening on $MGMT_ADDR port $port" "$JOB/sshd-$port.log" 2> /dev/null; do
    n=$((n + 1))
    if [ "$n" -gt 600 ]; then
      marker "host-failed sshd on port $port did not listen: $(tail -n 3 "$JOB/sshd-$port.log" | tr '\n' ' ')"
      exit 1
    fi
    sleep 0.1
  done
done
marker "sshd-ready $(uptime_s)"

while [ ! -e "$JOB/stop" ]; do sleep 0.5; done
marker "stopping $(uptime_s)"
exit 0
