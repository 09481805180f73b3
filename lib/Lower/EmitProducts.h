// The matmul emitter (internal to lib/Lower; registered by EmitStructural.cpp).
#pragma once

#include "Emitter.h"

namespace graphjit::lower {

/// Float products become one call of the BLAS runtime function on strided views of
/// the operands; integer products a linalg.generic loop nest in streaming order.
void registerProductEmitters(std::map<std::string, Emitter> &table);

} // namespace graphjit::lower
