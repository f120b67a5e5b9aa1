//! lockproof's checksum-log server: storage, sequencer, sumdb and tlog-tiles HTTP faces.

#![forbid(unsafe_code)]
