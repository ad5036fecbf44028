# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by report.sh and bench-init.sh inside the guest. POSIX sh.

# The asynchronous probes the kernel has started and not yet finished,
# one "DEVICE DRIVER" (or "DEVICE -" for a probe on device add) a line,
# from dd.c's dynamic debug (dmesg after the line matching $1, if given).
# A driver attach logs "probing driver X asynchronously" for every device
# it matches, but schedules a probe only for a device without a driver,
# which then logs "driver X async attach completed"; a device add logs
# "scheduling asynchronous probe", then "async probe completed".
pending_probes() {
	dmesg | sed -e 's/^\[[^]]*\] *//' -e "${1:+0,/$1/d}" | awk '
		$3 == "probing" && $4 == "driver" && $6 == "asynchronously" { started[$2 " " $5] = 1 }
		$3 == "driver" && $5 == "async" && $6 == "attach" && $7 == "completed:" { done[$2 " " $4] = 1 }
		$3 == "scheduling" && $4 == "asynchronous" && $5 == "probe" { added[$2]++ }
		$3 == "async" && $4 == "probe" && $5 == "completed" { added[$2]-- }
		END {
			for (k in started) if (!(k in done)) { sub(/: /, " ", k); print k }
			for (d in added) if (added[d] > 0) { sub(/:$/, "", d); print d, "-" }
		}' |
	while read -r dev drv; do
		if [ "$drv" != - ]; then
			# Bound to another driver: this one never got to probe it.
			for link in /sys/bus/*/devices/"$dev"/driver; do
				[ -e "$link" ] && [ "$(basename "$(readlink "$link")")" != "$drv" ] && continue 2
			done
		fi
		echo "$dev $drv"
	done
}

# wait_probes TENTHS [MARK]: until no probe is pending, at most TENTHS/10
# seconds; prints what is still pending, nothing when all ended.
wait_probes() {
	n=0
	while :; do
		p=$(pending_probes "${2:-}")
		[ -z "$p" ] || [ "$n" -ge "$1" ] && break
		sleep 0.1
		n=$((n + 1))
	done
	echo "$p" | sed '/^$/d'
}
