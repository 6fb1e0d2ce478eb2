/**
 * ICMP "ports" the way Zeek (and Community ID v1) define them: the source
 * port is the message type, the destination port is the type of the
 * matching reply/request when the message has one (echo, timestamp, router
 * and neighbour discovery, ...) so that a request and its reply land in one
 * flow, and otherwise the message code, in which case the flow is one-way
 * (its direction is part of its identity). Mirrors Zeek's
 * ICMP4_counterpart / ICMP6_counterpart.
 */

/** Counterpart type of an ICMPv4 message, or -1 when it is one-way. */
export function icmp4Counterpart(type: number): number {
  switch (type) {
    case 8: return 0; // echo request -> echo reply
    case 0: return 8;
    case 13: return 14; // timestamp
    case 14: return 13;
    case 15: return 16; // information request
    case 16: return 15;
    case 10: return 9; // router solicitation -> advertisement
    case 9: return 10;
    case 17: return 18; // address mask
    case 18: return 17;
    default: return -1;
  }
}

/** Counterpart type of an ICMPv6 message, or -1 when it is one-way. */
export function icmp6Counterpart(type: number): number {
  switch (type) {
    case 128: return 129; // echo request -> reply
    case 129: return 128;
    case 133: return 134; // router solicitation -> advertisement
    case 134: return 133;
    case 135: return 136; // neighbour solicitation -> advertisement
    case 136: return 135;
    case 130: return 131; // multicast listener query -> report
    case 131: return 130;
    case 139: return 140; // node information query -> response
    case 140: return 139;
    case 144: return 145; // home agent address discovery request -> reply
    case 145: return 144;
    default: return -1;
  }
}
