/* <poll.h> for the Windows unit program (-I tests/windows/include): the tests that drive
   tg_loop_fds themselves poll with winsock's WSAPoll, as a Windows application would. */
#include <winsock2.h>
typedef unsigned long nfds_t;
#define poll(fds, n, timeout) WSAPoll((fds), (n), (timeout))
