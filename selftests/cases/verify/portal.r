; Portals are 0..255.
;! desc: a portal above 255 is rejected
;! expect error: 5:9: error: portal 256 is out of range 0..255
.handler bigportal
.portal 256
	drop
