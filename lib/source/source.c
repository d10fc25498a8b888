/* Link types: which LINKTYPE_ values (pcap, pcapng) the packet parser reads. */
#include "fz_source.h"

int fz_link_of_linktype(uint32_t linktype)
{
	switch (linktype) {
	case 1: /* LINKTYPE_ETHERNET */
		return FZ_LINK_ETHER;
	case 113: /* LINKTYPE_LINUX_SLL */
		return FZ_LINK_SLL;
	case 276: /* LINKTYPE_LINUX_SLL2 */
		return FZ_LINK_SLL2;
	case 101: /* LINKTYPE_RAW */
	case 12:  /* DLT_RAW as Linux numbers it, found in old files */
	case 228: /* LINKTYPE_IPV4 */
	case 229: /* LINKTYPE_IPV6 */
		return FZ_LINK_RAW;
	default:
		return -1;
	}
}
