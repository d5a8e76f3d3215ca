/* fixture: a.h and b.h include each other */
#include "sim/run/b.h"
