-- Recursive calls: the interpreter's call/return path (luaD_precall, luaV_execute).
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
local n = tonumber(arg and arg[1]) or 34
print(("fib(%d) = %d"):format(n, fib(n)))
