//! WebRTC peer sessions on the webrtc crate and the data-channel protocol (DESIGN §4).
pub mod protocol;
