#!/bin/sh
# placeholder, replaced by the benchmark's init
exit 1
