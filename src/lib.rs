//! snaptriage: finds why Azure Backup of a VM fails, from the VM's guest support bundle.
#![forbid(unsafe_code)]
