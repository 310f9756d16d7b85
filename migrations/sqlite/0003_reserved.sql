-- 3: reserved for the multi-user change being written beside the workers one (issue 14, §4).
-- It changes nothing; when both are merged, the other branch's 0003 replaces this file.
SELECT 1;
