#include "gram.h"

#define MFREC_GRAM_NS kern
#include "gram_impl.h"
#undef MFREC_GRAM_NS
