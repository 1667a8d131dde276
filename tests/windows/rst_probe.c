/* Does this Windows (or wine) report a TCP reset to recv() as an error, as Windows does
   (WSAECONNRESET), or as end-of-file? tests/windows/run.sh asks it before judging the reset cases.
   Prints "recv=R wsa=E". */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
    WSADATA w; SOCKET s; struct sockaddr_in a; char buf[64]; int r;
    (void)argc;
    WSAStartup(MAKEWORD(2,2), &w);
    s = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof a); a.sin_family = AF_INET; a.sin_port = htons((u_short)atoi(argv[1])); a.sin_addr.s_addr = htonl(0x7f000001);
    if (connect(s, (struct sockaddr *)&a, sizeof a)) { printf("connect %d\n", WSAGetLastError()); return 1; }
    send(s, "x", 1, 0);
    Sleep(500);
    r = recv(s, buf, sizeof buf, 0);
    printf("recv=%d wsa=%d\n", r, r < 0 ? WSAGetLastError() : 0);
    return 0;
}
