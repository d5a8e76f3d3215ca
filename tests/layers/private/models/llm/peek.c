/* fixture: a model reading another module's private header */
#include "models/channel/channel_int.h"
