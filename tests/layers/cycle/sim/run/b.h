/* fixture */
#include "sim/run/a.h"
