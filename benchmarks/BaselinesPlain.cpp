#include "Baselines.h"

#include <cmath>
namespace baseline::plain {
#include "BaselinesImpl.inc"
}
