"""A stand-in for DNS and the internet, for the webhooks' address checks (no test leaves the machine).

The webhooks' resolver (`webhooks.addresses.lookup`, socket.getaddrinfo) answers for the names in
`names`; the reserved example domains resolve to a public address by default, "localhost" and
literal addresses go to the real resolver, any other name does not resolve (no test waits for DNS).
The webhooks' TCP connections (`webhooks.addresses.connect`) are recorded: loopback is connected for
real, an address in `routes` is connected to the local port it stands for, any other refuses at once.
"""

import ipaddress
import socket

# example.com's public address: global, so the webhooks accept it; nothing here ever connects to it.
PUBLIC_ADDRESS = "93.184.215.14"
EXAMPLE_DOMAINS = ("example.org", "example.com", "example.net")


def _is_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class FakeInternet:
    def __init__(self, real_getaddrinfo, real_connect):
        self._real_getaddrinfo = real_getaddrinfo
        self._real_connect = real_connect
        self.names: dict[str, list[str]] = {}
        self.routes: dict[tuple[str, int], tuple[str, int]] = {}
        self.lookups: list[str] = []
        self.connections: list[tuple[str, int]] = []

    def add(self, name: str, *addresses: str) -> None:
        self.names[name.lower()] = list(addresses)

    def _addresses(self, host: str) -> list[str] | None:
        host = host.lower().rstrip(".")
        if host in self.names:
            return self.names[host]
        if any(host == domain or host.endswith("." + domain) for domain in EXAMPLE_DOMAINS):
            return [PUBLIC_ADDRESS]
        return None

    def lookup(self, host: str, port: int) -> list[tuple]:
        addresses = self._addresses(host)
        if addresses is None and (host.lower() == "localhost" or _is_literal(host)):
            return self._real_getaddrinfo(host, port, type=socket.SOCK_STREAM)
        self.lookups.append(host)
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        infos = []
        for address in addresses:
            if ipaddress.ip_address(address).version == 6:
                infos.append((socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port, 0, 0)))
            else:
                infos.append((socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port)))
        return infos

    def connect(self, address: tuple[str, int], timeout: float) -> socket.socket:
        self.connections.append(address)
        if address in self.routes:
            return self._real_connect(self.routes[address], timeout)
        if ipaddress.ip_address(address[0]).is_loopback:
            return self._real_connect(address, timeout)
        raise ConnectionRefusedError(111, "Connection refused")
