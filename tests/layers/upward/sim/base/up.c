/* fixture: the base layer reaching up into the run loop */
#include "sim/run/run.h"
