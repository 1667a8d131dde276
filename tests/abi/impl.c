/* The implementation with every module switch on, as a user writes it in ONE file (stb style). The
   other file of the program (user.c) includes tgbot.h bare: both must agree on every public struct. */
#define TGBOT_ENABLE_ALL
#define TGBOT_IMPLEMENTATION
#include "tgbot.h"
