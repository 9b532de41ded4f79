-- Strings: formatting, pattern matching (lstrlib's recursive matcher), concatenation, hashing.
local n = tonumber(arg and arg[1]) or 200000
local parts, total = {}, 0
for i = 1, n do
  local s = ("item-%06d:%x:%s"):format(i, i * 2654435761 % 4294967296, ("ab"):rep(i % 7))
  local a, b = s:match("^item%-(%d+):(%x+):")
  total = total + tonumber(a) + #b
  parts[#parts + 1] = s:gsub("b", "c")
  if #parts == 1000 then total = total + #table.concat(parts, ","); parts = {} end
end
local words = {}
for w in (("the quick brown fox jumps over the lazy dog "):rep(20000)):gmatch("%a+") do
  words[w] = (words[w] or 0) + 1
end
print(("total %d, the=%d"):format(total, words.the))
