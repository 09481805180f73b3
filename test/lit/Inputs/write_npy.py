# Writes numpy.array([1.0, 2.0, 3.0]) as .npy without numpy.
import struct, sys
header = "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }"
header += " " * (64 - (10 + len(header) + 1) % 64) + "\n"
with open(sys.argv[1], "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
    f.write(struct.pack("<3d", 1.0, 2.0, 3.0))
