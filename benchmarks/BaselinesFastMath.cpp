#include "Baselines.h"

#include <cmath>
namespace baseline::fast {
#include "BaselinesImpl.inc"
}
